import type { NodeAPI } from 'node-red';
import { registerAccountType } from './common/account';

export = function (RED: NodeAPI): void {
  registerAccountType(RED, {
    vendorId: 'arlo',
    label: 'Arlo',
    type: 'camhub-arlo',
    credentials: { email: { type: 'text' }, password: { type: 'password' } },
  });
};
