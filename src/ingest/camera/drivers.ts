// The camera drivers ioncam can run, by the name given in IONCAM_CAMERA.
import type { ServerConfig } from '../../config.js';
import type { CameraDriver } from './driver.js';
import { SimulatedCamera } from './simulated.js';

type CameraConfig = Pick<ServerConfig, 'cameraFps' | 'cameraWidth' | 'cameraHeight' | 'cameraIons'>;

const FACTORIES: Record<string, (config: CameraConfig) => CameraDriver> = {
  simulated: (config) =>
    new SimulatedCamera({
      fps: config.cameraFps,
      width: config.cameraWidth,
      height: config.cameraHeight,
      ions: config.cameraIons,
    }),
};

export const CAMERA_DRIVERS = Object.keys(FACTORIES);

/** Makes the configured driver; 'none' (no camera) gives null. Throws on an unknown name. */
export function createCameraDriver(name: string, config: CameraConfig): CameraDriver | null {
  if (name === 'none') return null;
  const factory = FACTORIES[name];
  if (!factory) throw new RangeError(`unknown camera driver "${name}" (known: ${[...CAMERA_DRIVERS, 'none'].join(', ')})`);
  return factory(config);
}
