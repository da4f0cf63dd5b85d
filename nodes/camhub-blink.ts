import type { NodeAPI } from 'node-red';
import { registerAccountType } from './common/account';

export = function (RED: NodeAPI): void {
  registerAccountType(RED, {
    vendorId: 'blink',
    label: 'Blink',
    type: 'camhub-blink',
    credentials: { email: { type: 'text' }, password: { type: 'password' } },
  });
};
