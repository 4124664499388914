import { defaultSurfaces } from '../../config/surfaces';
import { ConfigError, validateSurface } from '../../config/validate';

const base = defaultSurfaces('https://origin.example')[0]!;

describe('surface config (engine fields)', () => {
  it.each(['gen', 'flag', 'lock', 'fill', 'state'])('rejects the reserved surface name %s', (name) => {
    expect(() => validateSurface('s', { ...base, name })).toThrow(new RegExp(`s\\.name = "${name}": gen, flag, lock, fill, state are reserved`));
  });

  it('rejects a compressAboveBytes that is not a positive integer', () => {
    expect(() => validateSurface('s', { ...base, compressAboveBytes: 0 })).toThrow(ConfigError);
    expect(() => validateSurface('s', { ...base, compressAboveBytes: 1.5 })).toThrow(/s\.compressAboveBytes = 1\.5/);
    expect(() => validateSurface('s', { ...base, compressAboveBytes: 2048 })).not.toThrow();
  });
});
