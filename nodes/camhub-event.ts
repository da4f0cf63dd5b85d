import type { NodeAPI, Node } from 'node-red';
import { eventMatches, eventTopic, normaliseEventTypes } from './core/msg';
import { toCamhubError } from './core/errors';
import type { CameraEvent } from './core/provider';
import { type CameraNodeDef, resolveProvider, watchAccount } from './common/functional';
import { clock, t } from './common/red';

interface EventDef extends CameraNodeDef {
  types?: string[] | string;
  /** Also emit events the cloud reports while the system is disarmed. */
  includeDisarmed?: boolean;
}

export = function (RED: NodeAPI): void {
  function EventNode(this: Node, config: EventDef) {
    RED.nodes.createNode(this, config);
    const types = normaliseEventTypes(
      typeof config.types === 'string'
        ? config.types.split(',').map((s) => s.trim())
        : config.types,
    );
    const camera = (config.camera ?? '').trim();
    const listening = () =>
      this.status({ fill: 'green', shape: 'dot', text: t(RED, 'status.listening') });
    let unsubscribe = () => undefined as unknown;
    const unwatch = watchAccount(RED, this, config.account, listening);
    try {
      const provider = resolveProvider(RED, config.account);
      unsubscribe = provider.subscribe((event: CameraEvent) => {
        if (!eventMatches(event, camera, types, config.includeDisarmed === true)) return;
        this.send({
          topic: eventTopic(event),
          // Top-level msg.camera lets an event wire straight into snapshot, arm or stream nodes.
          camera: { id: event.camera.id, name: event.camera.name, vendor: event.vendor },
          payload: {
            vendor: event.vendor,
            camera: { ...event.camera },
            type: event.type,
            time: event.time,
            eventId: event.eventId,
            ...(event.persons ? { persons: event.persons.map((p) => ({ ...p })) } : {}),
            raw: event.raw,
          },
        });
        this.status({
          fill: 'green',
          shape: 'dot',
          text: `${t(RED, `types.${event.type}`)} ${clock()}`,
        });
      });
      listening();
    } catch (err) {
      const e = toCamhubError(err);
      this.status({ fill: 'red', shape: 'ring', text: t(RED, `errors.${e.code}`) });
      this.error(e.message);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      unwatch();
      this.status({});
      done();
    });
  }
  RED.nodes.registerType('camhub-event', EventNode);
};
