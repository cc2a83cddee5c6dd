import { createApp } from './create-app';

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`set ${name}`);
    return value;
  };
  const app = await createApp({
    databaseUrl: env('DATABASE_URL'),
    accounts: [
      {
        baseUrl: env('PTS_BASE_URL'),
        userId: env('PTS_USER_ID'),
        safecode: env('PTS_SAFECODE'),
        guid: env('PTS_GUID'),
        transactionSecret: env('PTS_TRANSACTION_SECRET'),
        merchantPrivateKey: env('PTS_MERCHANT_PRIVATE_KEY'),
        gatewayPublicKey: env('PTS_GATEWAY_PUBLIC_KEY'),
      },
    ],
    callbackBaseUrl: env('PTS_CALLBACK_BASE_URL'),
  });
  await app.listen(Number(process.env.PORT ?? 3000));
}

void main();
