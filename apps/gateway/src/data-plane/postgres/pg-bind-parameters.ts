// A Bind's parameter values as the recording and the approver see them (docs/postgres.md,
// "Recording"): text values scanned by the content detectors, binary ones by their size.
import type { Masker } from '@jitgate/masking';
import type { BindMessage } from '@jitgate/pgwire';

export function recordedParameters(bind: BindMessage, masker: Masker | null): Array<string | null> {
  return bind.params.map((value, i) => {
    if (value === null) return null;
    const format = bind.paramFormats.length === 0 ? 0 : bind.paramFormats.length === 1 ? bind.paramFormats[0] : bind.paramFormats[i];
    if (format !== 0) return `<binary, ${value.length} bytes>`;
    const text = value.toString('utf8');
    return masker?.scanText(text)?.text ?? text;
  });
}
