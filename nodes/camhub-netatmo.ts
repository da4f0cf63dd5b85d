import type { NodeAPI } from 'node-red';
import { registerAccountType } from './common/account';

export = function (RED: NodeAPI): void {
  registerAccountType(RED, {
    vendorId: 'netatmo',
    label: 'Netatmo',
    type: 'camhub-netatmo',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' } },
  });
};
