import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { PtsPayments } from 'pts-nest';

interface CreatePaymentBody {
  amount: string;
}

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PtsPayments) {}

  @Post()
  async create(@Body() body: CreatePaymentBody) {
    const order = await this.payments.createPayment({
      amount: body.amount,
      currency: 'PHP',
      channel: 'QRPH',
    });
    return { orderId: order.orderId, status: order.status, payUrl: order.payUrl };
  }

  @Get(':orderId')
  async get(@Param('orderId') orderId: string) {
    const order = await this.payments.get(orderId);
    return { orderId: order.orderId, status: order.status };
  }
}
