import type { NodeAPI } from 'node-red';
import { registerAccountType } from './common/account';

export = function (RED: NodeAPI): void {
  registerAccountType(RED, {
    vendorId: 'reolink',
    label: 'Reolink',
    type: 'camhub-reolink',
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      authcode: { type: 'password' },
    },
  });
};
