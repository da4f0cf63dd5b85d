import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { CamhubError, toCamhubError } from '../core/errors';
import { resolveCameraId } from '../core/msg';
import type { CameraProvider, ConnectionState } from '../core/provider';
import type { AccountNode } from './account';
import { clock, t } from './red';

export interface CameraNodeDef extends NodeDef {
  account: string;
  camera: string;
}

type Send = (msg: NodeMessage | NodeMessage[]) => void;
type Done = (err?: Error) => void;

export function resolveAccount(RED: NodeAPI, accountId: string | undefined): AccountNode {
  if (!accountId) {
    throw new CamhubError(
      'NOT_CONFIGURED',
      'No account selected. Open the node, choose a camhub account and deploy.',
    );
  }
  const account = RED.nodes.getNode(accountId) as AccountNode | null;
  if (!account || !account.vendorId) {
    throw new CamhubError(
      'NOT_CONFIGURED',
      'The selected account node is missing or disabled. Choose another account and deploy.',
    );
  }
  return account;
}

export function resolveProvider(RED: NodeAPI, accountId: string | undefined): CameraProvider {
  const account = resolveAccount(RED, accountId);
  if (!account.provider) {
    throw (
      account.failure ??
      new CamhubError(
        'NOT_CONFIGURED',
        'The account cannot be used. Open it and check its settings.',
      )
    );
  }
  return account.provider;
}

/** The status an account's connection state asks for, or undefined to leave the node's own. */
export function accountStatus(RED: NodeAPI, state: ConnectionState): NodeStatus | undefined {
  switch (state.state) {
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: t(RED, 'status.connecting') };
    case 'waiting2fa':
      return { fill: 'yellow', shape: 'ring', text: t(RED, 'status.waiting2fa') };
    case 'authFailed':
      return {
        fill: 'red',
        shape: 'ring',
        text:
          state.retryAt !== undefined && state.retryAt > Date.now()
            ? t(RED, 'status.authFailedUntil', { time: clock(state.retryAt).slice(0, 5) })
            : t(RED, 'status.authFailed'),
      };
    case 'rateLimited':
      return {
        fill: 'yellow',
        shape: 'ring',
        text: t(RED, 'status.rateLimited', { time: clock(state.until).slice(0, 5) }),
      };
    case 'error':
      return { fill: 'red', shape: 'ring', text: t(RED, 'status.error') };
    case 'connected':
      // Errors replace the whole state, so a quiet part never hides them.
      return state.quiet?.length
        ? {
            fill: 'yellow',
            shape: 'dot',
            text: t(RED, 'status.quiet', { names: state.quiet.join(', ') }),
          }
        : undefined;
    default:
      return undefined;
  }
}

/** Account states a user must act on (or wait out); they outrank any one node's own error. */
const ACCOUNT_PROBLEMS = new Set<ConnectionState['state']>([
  'authFailed',
  'waiting2fa',
  'rateLimited',
]);

/** Per node: whether it shows its account's problem, so 'connected' knows to clear it. */
const showingAccount = new WeakMap<Node, { shown: boolean }>();

/**
 * The status after a failed msg: the account's problem while it lasts, so every node of the
 * account tells the same story and a later bad msg does not hide it; else the msg's own error.
 */
export function failureStatus(
  RED: NodeAPI,
  node: Node,
  provider: CameraProvider | undefined,
  err: CamhubError,
): NodeStatus {
  const state = provider?.state;
  const account =
    state && ACCOUNT_PROBLEMS.has(state.state) ? accountStatus(RED, state) : undefined;
  const flag = showingAccount.get(node);
  if (flag) flag.shown = !!account;
  return account ?? errorStatus(RED, err);
}

export function errorStatus(RED: NodeAPI, err: CamhubError): NodeStatus {
  if (err.code === 'RATE_LIMITED' && err.retryAfterMs !== undefined) {
    return {
      fill: 'yellow',
      shape: 'ring',
      text: t(RED, 'status.rateLimited', {
        time: clock(Date.now() + err.retryAfterMs).slice(0, 5),
      }),
    };
  }
  if (err.code === 'AUTH_FAILED' && err.retryAfterMs !== undefined) {
    return {
      fill: 'red',
      shape: 'ring',
      text: t(RED, 'status.authFailedUntil', {
        time: clock(Date.now() + err.retryAfterMs).slice(0, 5),
      }),
    };
  }
  return { fill: 'red', shape: 'ring', text: t(RED, `errors.${err.code}`) };
}

export interface CameraInputContext {
  msg: NodeMessageInFlow;
  provider: CameraProvider;
  cameraId: string;
  send: Send;
}

/**
 * The input pipeline of the functional nodes that act on one camera: resolve account and
 * camera, run, report. Every path ends in exactly one done(); errors carry a code and reach
 * Catch nodes through done(err), and the node keeps taking msgs.
 */
export function handleCameraInput(
  RED: NodeAPI,
  node: Node,
  config: CameraNodeDef,
  run: (ctx: CameraInputContext) => Promise<string>,
  /** allCameras: no camera set and no msg.camera is "every camera" (cameraId ''), not an error. */
  opts: { allCameras?: boolean } = {},
): void {
  let inFlight = 0;
  const unwatch = watchAccount(RED, node, config.account);

  node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
    inFlight++;
    node.status({ fill: 'blue', shape: 'dot', text: t(RED, 'status.requesting') });
    let provider: CameraProvider | undefined;
    let cameraId: string;
    const start = async () => {
      provider = resolveProvider(RED, config.account);
      const msgCamera = (msg as { camera?: unknown }).camera;
      const none =
        !(typeof config.camera === 'string' && config.camera.trim()) &&
        (msgCamera === undefined || msgCamera === null || msgCamera === '');
      cameraId = opts.allCameras && none ? '' : resolveCameraId(config.camera, msgCamera);
      return run({ msg, provider, cameraId, send });
    };
    start().then(
      (text) => {
        inFlight--;
        if (inFlight === 0)
          node.status({ fill: 'green', shape: 'dot', text: `${text} ${clock()}` });
        done();
      },
      (err: unknown) => {
        inFlight--;
        const e = toCamhubError(err);
        node.status(failureStatus(RED, node, provider, e));
        done(e);
      },
    );
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    unwatch();
    node.status({});
    done();
  });
}

/** The camera object every camhub node sends on as msg.camera. */
export function msgCamera(
  cam: { id: string; name: string },
  vendor: string,
): { id: string; name: string; vendor: string } {
  return { id: cam.id, name: cam.name, vendor };
}

/**
 * Mirrors the account's connection problems in the node's status, and takes the warning away
 * again once the account is connected; returns the unsubscribe.
 */
export function watchAccount(
  RED: NodeAPI,
  node: Node,
  accountId: string,
  onOk: () => void = () => node.status({}),
): () => void {
  let provider: CameraProvider;
  try {
    provider = resolveProvider(RED, accountId);
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: t(RED, `errors.${toCamhubError(err).code}`) });
    return () => undefined;
  }
  const flag = { shown: false };
  showingAccount.set(node, flag);
  const unsubscribe = provider.onStateChange((state) => {
    const s = accountStatus(RED, state);
    if (s) {
      node.status(s);
      flag.shown = true;
    } else if (state.state === 'connected' && flag.shown) {
      flag.shown = false;
      onOk();
    }
  });
  // A node deployed after the account got stuck (waiting for 2FA, rate limited) shows it at once.
  const now = accountStatus(RED, provider.state);
  if (now && provider.state.state !== 'connecting') {
    node.status(now);
    flag.shown = true;
  }
  return () => {
    if (showingAccount.get(node) === flag) showingAccount.delete(node);
    unsubscribe();
  };
}
