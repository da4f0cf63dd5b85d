import type { FlowNode } from '../../helpers/nodered';
import type { FaultSpec } from '../../../simulator/common/faults';

/**
 * The matrix's columns. `device` is a camera status read, `control-get` a camera control
 * `{get: true}`, `control-set` one switch the cloud has, set and read back; `recordings-list`
 * lists a camera's recordings, `recordings-download` fetches one of them as a file.
 */
export type NodeKind =
  | 'arm'
  | 'snapshot'
  | 'stream'
  | 'ptz'
  | 'device'
  | 'control-get'
  | 'control-set'
  | 'recordings-list'
  | 'recordings-download';

/** The node type behind each column. */
export const NODE_TYPES: Record<NodeKind, string> = {
  arm: 'camhub-arm',
  snapshot: 'camhub-snapshot',
  stream: 'camhub-stream',
  ptz: 'camhub-ptz',
  device: 'camhub-device',
  'control-get': 'camhub-control',
  'control-set': 'camhub-control',
  'recordings-list': 'camhub-recordings',
  'recordings-download': 'camhub-recordings',
};

/** The cloud call a node makes, as the simulator's fault queue and request log match it. */
export interface CloudCall {
  /** Prefix of the request path, or a regular expression source starting with '^'. */
  path: string;
  method?: string;
  /** Would the client resend it after a 5xx or a lost reply? Commands never are. */
  idempotent: boolean;
}

export interface LogEntry {
  method: string;
  path: string;
  time: string;
  status: number | null;
}

/**
 * One simulated cloud as the fault matrix drives it. Adding a vendor to the matrix means
 * writing one of these in test/reliability/vendors/ and listing it in index.ts.
 */
export interface FaultCloud {
  /** The account config node (id 'acc'), with timeouts short enough for tests. */
  account(timeoutSec: number): FlowNode;
  /**
   * on: no background request shares a path with a faulted call while a node's row runs (Arlo
   * renews its subscriptions by the notify its control commands use). Called before each
   * deploy; off for the event rows, which need the background traffic.
   */
  quiet?(on: boolean): void;
  /** Gives the recordings columns' camera a recording, once the cloud is up. */
  seedRecordings?(): void | Promise<void>;
  /** Node-RED credentials of the account, keyed by node id. */
  credentials: Record<string, Record<string, string>>;
  /** Camera ids to use per node; absent when the cloud cannot do it (the row is n/a). */
  cameras: Partial<Record<NodeKind, string>>;
  /** Why a node has no camera here, e.g. "Blink has no PTZ"; a generic reason otherwise. */
  naReasons?: Partial<Record<NodeKind, string>>;
  /**
   * Account set-up that needs the deployed flow, e.g. an OAuth consent given in the editor.
   * Called after every deploy, before the first msg.
   */
  connect?: () => Promise<void>;
  /** The msg.payload each node is sent; a column without one sends none. */
  payloads: Partial<Record<NodeKind, unknown>>;
  /** The request of each node that faults are put on. */
  calls: Partial<Record<NodeKind, CloudCall>>;
  addFault(spec: FaultSpec): void;
  clearFaults(): void;
  requests(): LogEntry[];
  clearRequests(): void;
  /** Nodes that answer for an offline camera, as documented (cloud-kept recordings). */
  offlineAnswers?: NodeKind[];
  /** The device the offline row takes off line, where it is not the node's camera. */
  offlineDevices?: Partial<Record<NodeKind, string>>;
  /** Take a camera off line (OFFLINE) and back. */
  setOnline(camera: string, online: boolean): void | Promise<void>;
  /** Expire the access token; absent when the cloud has none (with the reason). */
  expireToken?: () => void | Promise<void>;
  noToken?: string;
  /** Requests that are logins or token refreshes, to count them. */
  isLogin?: (entry: LogEntry) => boolean;
  /** Make the next asynchronous command never complete; absent when commands are synchronous. */
  neverComplete?: (kind: NodeKind) => void | Promise<void>;
  /** The nodes whose command is asynchronous (for the never-completes row). */
  asyncKinds?: NodeKind[];
  /**
   * Status fields that are null when the base station never answers its state read, while
   * the status msg still comes (for the `device` column of the never-completes row).
   */
  unansweredNulls?: string[];
  syncCommands?: string;
  /** Event delivery, for the restart row. */
  events: {
    /** Called once the flow is up, with the URL of Node-RED's HTTP node server. */
    connect(webUrl: string): void | Promise<void>;
    trigger(camera: string): Promise<void>;
    camera: string;
  };
  /** Push clouds, for the webhook rows; absent with the reason in noWebhook. */
  webhook?: {
    /** The account with its public webhook URL on Node-RED's node server `webUrl`. */
    account(webUrl: string): FlowNode;
    /** After each (re)start of the flow: resolves once the cloud pushes to it. */
    ready(webUrl: string): Promise<void>;
    /** One event pushed by the cloud; resolves with the receiver's HTTP status. */
    push(camera: string): Promise<number | null>;
    /** A push written with escaped slashes, \u escapes and spaces, signed or keyed as the
     *  cloud does, sent under an unhelpful content type; resolves with the HTTP status. */
    escapedPush(webUrl: string, camera: string): Promise<number>;
  };
  noWebhook?: string;
  /**
   * The account's persistent event stream (Arlo's MQTT or SSE), for the reconnect rows; absent
   * where events come by polling or webhook, with the reason in `noChannel`.
   */
  channel?: {
    /** Cut the stream as a network blip does, with its base stations answering no subscription. */
    drop(): void | Promise<void>;
    /** Resolves once the client is connected again, waiting for nothing more. */
    back(): Promise<void>;
  };
  noChannel?: string;
  /** Stop and start the cloud on the same ports, keeping what a client would expect to keep. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface FaultVendor {
  name: string;
  configType: string;
  start(): Promise<FaultCloud>;
}
