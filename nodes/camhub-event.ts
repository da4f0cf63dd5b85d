import type { NodeAPI, Node } from 'node-red';
import { eventMatches, eventTopic, normaliseEventTypes, parsePersonsFilter } from './core/msg';
import { attachPicture, eventPayload, parsePictureMode } from './core/event-msg';
import { toCamhubError } from './core/errors';
import type { CameraEvent } from './core/provider';
import { type CameraNodeDef, resolveProvider, watchAccount } from './common/functional';
import { clock, t } from './common/red';

interface EventDef extends CameraNodeDef {
  types?: string[] | string;
  /** Also emit events the cloud reports while the system is disarmed. */
  includeDisarmed?: boolean;
  /** Attach picture: none (default), event, event-or-live. */
  image?: string;
  /** Also send a msg when the cloud reports the end of an activity. */
  ended?: boolean;
  /** Faces: any (default), known, unknown, or names. */
  persons?: string | string[];
}

export = function (RED: NodeAPI): void {
  function EventNode(this: Node, config: EventDef) {
    RED.nodes.createNode(this, config);
    const types = normaliseEventTypes(
      typeof config.types === 'string'
        ? config.types.split(',').map((s) => s.trim())
        : config.types,
    );
    const filter = {
      camera: (config.camera ?? '').trim(),
      types,
      includeDisarmed: config.includeDisarmed === true,
      ended: config.ended === true,
      persons: parsePersonsFilter(config.persons),
    };
    const picture = parsePictureMode(config.image);
    let closed = false;
    // Pictures are fetched side by side, msgs leave in the order the events came.
    let tail: Promise<unknown> = Promise.resolve();
    const listening = () =>
      this.status({ fill: 'green', shape: 'dot', text: t(RED, 'status.listening') });
    let unsubscribe = () => undefined as unknown;
    const unwatch = watchAccount(RED, this, config.account, listening);
    try {
      const provider = resolveProvider(RED, config.account);
      const send = (event: CameraEvent, image?: Buffer, info?: Record<string, unknown>) => {
        if (closed) return;
        const payload = eventPayload(event);
        if (info) payload.image = info;
        this.send({
          topic: eventTopic(event),
          // Top-level msg.camera lets an event wire straight into snapshot, arm or stream nodes.
          camera: { id: event.camera.id, name: event.camera.name, vendor: event.vendor },
          payload,
          ...(image ? { image } : {}),
        });
        const missing = typeof info?.error === 'string' ? info.error : '';
        // A picture that could not be had shows, so a user sees why a notification came bare.
        this.status({
          fill: missing ? 'yellow' : 'green',
          shape: 'dot',
          text: `${t(RED, `types.${event.type}`)} ${clock()}${missing ? ` (${t(RED, 'status.noPicture', { code: missing })})` : ''}`,
        });
      };
      unsubscribe = provider.subscribe((event: CameraEvent) => {
        if (!eventMatches(event, filter)) return;
        if (picture === 'none') {
          tail = tail.then(() => send(event));
          return;
        }
        const ready = attachPicture(provider, event, picture);
        tail = tail
          .then(() => ready)
          .then(({ buffer, info }) => send(event, buffer, info))
          .catch((err) => this.error(toCamhubError(err).message));
      });
      listening();
    } catch (err) {
      const e = toCamhubError(err);
      this.status({ fill: 'red', shape: 'ring', text: t(RED, `errors.${e.code}`) });
      this.error(e.message);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unsubscribe();
      unwatch();
      this.status({});
      done();
    });
  }
  RED.nodes.registerType('camhub-event', EventNode);
};
