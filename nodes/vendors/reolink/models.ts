import type { Capabilities, PtzDirection, StreamQuality } from '../../core/provider';

/**
 * ROP's device list names the model but not its abilities; the server checks `ptz.pt` and
 * friends internally and answers cmd_not_support. This table lets the nodes say up front
 * which cameras can pan, zoom and focus. Models not listed are taken as fixed cameras; if one
 * can in fact move, the server's answer decides (the provider does not block a listed-as-PTZ
 * camera, and maps cmd_not_support to NOT_SUPPORTED otherwise).
 */
interface ModelAbilities {
  pattern: RegExp;
  pt: 'none' | '4' | '8';
  zoom: boolean;
  focus: boolean;
}

const ALL_DIRECTIONS: PtzDirection[] = [
  'left',
  'right',
  'up',
  'down',
  'leftUp',
  'leftDown',
  'rightUp',
  'rightDown',
];
const FOUR_DIRECTIONS: PtzDirection[] = ['left', 'right', 'up', 'down'];

// Facts from Reolink's product pages: the E1 Outdoor / E1 Zoom / TrackMix / RLC-823A have
// motorised zoom and focus; the plain E1 / E1 Pro only pan and tilt.
const TABLE: ModelAbilities[] = [
  {
    pattern: /E1 ?(Outdoor|Zoom)|TrackMix|RLC-?8[12]3|RLC-?523|Duo.*PTZ|PTZ/i,
    pt: '8',
    zoom: true,
    focus: true,
  },
  { pattern: /^E1( Pro)?$|Lumus.*PT|Argus PT/i, pt: '4', zoom: false, focus: false },
];

export function capabilitiesFor(model: string, family: string): Capabilities {
  const row = TABLE.find((r) => r.pattern.test(model));
  const battery = family === 'battery';
  const streamQualities: StreamQuality[] = battery ? ['main', 'sub'] : ['main', 'sub', 'extern'];
  return {
    arm: true,
    snapshot: true,
    ptz: !!row && row.pt !== 'none',
    zoom: row?.zoom ?? false,
    focus: row?.focus ?? false,
    ptzDirections: row?.pt === '8' ? ALL_DIRECTIONS : row?.pt === '4' ? FOUR_DIRECTIONS : [],
    streamProtocols: ['rtsp'],
    streamQualities,
    battery,
    // ROP cannot tell whether a card is in; a camera without one answers cmd_not_support.
    recordings: true,
  };
}
