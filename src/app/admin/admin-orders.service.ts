import { BadRequestException, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import {
  PtsAccounts,
  PtsCallbackProcessor,
  PtsCallbackQueries,
  PtsClient,
  type PtsOrderEntity,
  PtsPayments,
} from 'pts-nest';
import {
  V1BankCardDto,
  V2WithdrawDetailsDto,
  type BalanceQuery,
  type ChannelsQuery,
  type CreatePaymentDto,
  type CreateWithdrawalDto,
  type ListCallbacksQuery,
  type ListOrdersQuery,
} from './admin-dtos.js';
import type { AdminRole } from './admin-auth.guard.js';
import { callbackView, historyView, orderView } from './admin-views.js';

type OrderView = ReturnType<typeof orderView>;

/** Maps admin requests onto the module's services and its answers onto views. */
@Injectable()
export class AdminOrdersService {
  constructor(
    private readonly payments: PtsPayments,
    private readonly accounts: PtsAccounts,
    private readonly callbacks: PtsCallbackQueries,
    private readonly processor: PtsCallbackProcessor,
    private readonly client: PtsClient,
  ) {}

  async createPayment(dto: CreatePaymentDto, idempotencyKey?: string) {
    return createdAnswer(await this.payments.createPayment({ ...dto, idempotencyKey }));
  }

  async createWithdrawal(dto: CreateWithdrawalDto, idempotencyKey?: string) {
    const { details, ...rest } = dto;
    const account = this.accounts.get(dto.account);
    if (account.apiVersion === 'v1') {
      const bankCard = await validated(V1BankCardDto, details);
      return createdAnswer(
        await this.payments.createWithdraw({ ...rest, bankCard, idempotencyKey }),
      );
    }
    const payee = await validated(V2WithdrawDetailsDto, details);
    return createdAnswer(
      await this.payments.createWithdraw({ ...rest, details: payee, idempotencyKey }),
    );
  }

  async list(query: ListOrdersQuery) {
    const page = await this.payments.list({
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return { items: page.items.map(orderView), nextCursor: page.nextCursor };
  }

  async detail(orderId: string, account?: string, role: AdminRole = 'viewer') {
    const { order, callbacks, history } = await this.payments.detail(orderId, account);
    return {
      ...orderView(order),
      callbacks: callbacks.map((c) => callbackView(c, role)),
      history: history.map(historyView),
    };
  }

  async sync(orderId: string, account?: string) {
    return orderView(await this.payments.sync(orderId, account));
  }

  async listCallbacks(query: ListCallbacksQuery, role: AdminRole = 'viewer') {
    const page = await this.callbacks.list(query);
    return { items: page.items.map((c) => callbackView(c, role)), nextCursor: page.nextCursor };
  }

  async replay(callbackId: string) {
    const verdict = await this.processor.replay(callbackId);
    return {
      callbackId: verdict.callbackId ?? null,
      replayOf: callbackId,
      outcome: verdict.outcome,
      reason: verdict.reason ?? null,
      httpStatus: verdict.httpStatus,
      reply: verdict.body,
    };
  }

  async balance(query: BalanceQuery) {
    const result = await this.client.balance({ mode: query.mode }, { account: query.account });
    return { account: this.accounts.get(query.account).name, balances: result.balances };
  }

  async channels(query: ChannelsQuery) {
    const result = await this.client.supportChannels(
      { currency: query.currency },
      { account: query.account },
    );
    return { account: this.accounts.get(query.account).name, items: result.items };
  }
}

/**
 * 201 for an order PTS accepted and answered; 202 for one whose outcome is still open (an
 * `Idempotency-Key` retry of an interrupted create: `unknown`) or that PTS has without a pay
 * URL we could hand out (`pay_url_missing`): the caller must not take it as a usable order.
 */
function createdAnswer(order: PtsOrderEntity): { httpStatus: 201 | 202; body: OrderView } {
  const open =
    order.status === 'created' ||
    order.status === 'unknown' ||
    order.flags.includes('pay_url_missing');
  return { httpStatus: open ? 202 : 201, body: orderView(order) };
}

/** Validates a nested object against a DTO, with field names prefixed by `details.`. */
async function validated<T extends object>(cls: new () => T, value: unknown): Promise<T> {
  const instance = plainToInstance(cls, value ?? {});
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new BadRequestException(
      flatten(errors).map((m) => (m.startsWith('details.') ? m : `details.${m}`)),
    );
  }
  return instance;
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    e.constraints ? Object.values(e.constraints) : [`${e.property} is invalid`],
  );
}
