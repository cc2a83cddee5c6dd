import { BadRequestException, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import {
  PtsAccounts,
  PtsCallbackProcessor,
  PtsCallbackQueries,
  PtsClient,
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
import { callbackView, historyView, orderView } from './admin-views.js';

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
    const order = await this.payments.createPayment({ ...dto, idempotencyKey });
    return orderView(order);
  }

  async createWithdrawal(dto: CreateWithdrawalDto, idempotencyKey?: string) {
    const { details, ...rest } = dto;
    const account = this.accounts.get(dto.account);
    if (account.apiVersion === 'v1') {
      const bankCard = await validated(V1BankCardDto, details);
      const order = await this.payments.createWithdraw({ ...rest, bankCard, idempotencyKey });
      return orderView(order);
    }
    const payee = await validated(V2WithdrawDetailsDto, details);
    const order = await this.payments.createWithdraw({ ...rest, details: payee, idempotencyKey });
    return orderView(order);
  }

  async list(query: ListOrdersQuery) {
    const page = await this.payments.list({
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return { items: page.items.map(orderView), nextCursor: page.nextCursor };
  }

  async detail(orderId: string, account?: string) {
    const { order, callbacks, history } = await this.payments.detail(orderId, account);
    return {
      ...orderView(order),
      callbacks: callbacks.map(callbackView),
      history: history.map(historyView),
    };
  }

  async sync(orderId: string, account?: string) {
    return orderView(await this.payments.sync(orderId, account));
  }

  async listCallbacks(query: ListCallbacksQuery) {
    const page = await this.callbacks.list(query);
    return { items: page.items.map(callbackView), nextCursor: page.nextCursor };
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
