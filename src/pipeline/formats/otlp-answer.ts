// What an OTLP receiver answers: a partial success on a 2xx (ExportLogsServiceResponse), a google.rpc.Status
// with a failure; read with a minimal protobuf reader (or as JSON, for the JSON encoding).

const LEN = 2;

/** Reads the fields of one protobuf message: field number, wire type and value (a number or the bytes). */
function* fieldsOf(bytes: Buffer): Generator<{ field: number; wire: number; value: number | Buffer }> {
  let at = 0;
  const varint = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated');
      const b = bytes[at++];
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      yield { field, wire, value: bytes.subarray(at, (at += size)) };
    } else if (wire === LEN) {
      const size = varint();
      if (at + size > bytes.length) throw new Error('truncated');
      yield { field, wire, value: bytes.subarray(at, (at += size)) };
    } else throw new Error(`wire type ${wire}`);
  }
}

/**
 * The partial success of an ExportLogsServiceResponse: how many records the receiver rejected and why.
 * Undefined for a full success or an answer that cannot be read (a 2xx is success whatever its body says).
 */
export function partialSuccess(answer: Buffer, contentType: string): { rejected: number; message: string } | undefined {
  if (!answer.length) return undefined;
  try {
    if (/json/i.test(contentType)) {
      const parsed = JSON.parse(answer.toString('utf8'))?.partialSuccess;
      if (!parsed) return undefined;
      const rejected = Number(parsed.rejectedLogRecords ?? 0);
      const message = typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '';
      return rejected > 0 || message ? { rejected: Number.isFinite(rejected) ? rejected : 0, message } : undefined;
    }
    for (const outer of fieldsOf(answer)) {
      if (outer.field !== 1 || outer.wire !== LEN) continue;
      let rejected = 0;
      let message = '';
      for (const inner of fieldsOf(outer.value as Buffer)) {
        if (inner.field === 1 && inner.wire === 0) rejected = inner.value as number;
        else if (inner.field === 2 && inner.wire === LEN) message = (inner.value as Buffer).toString('utf8');
      }
      return rejected > 0 || message ? { rejected, message } : undefined;
    }
  } catch {
    // An unreadable body on a 2xx: the records were taken.
  }
  return undefined;
}

/** The message of a google.rpc.Status (the body OTLP receivers send with a failure), or the text of any other body. */
export function failureText(answer: Buffer, contentType: string): string {
  if (/protobuf/i.test(contentType)) {
    try {
      for (const f of fieldsOf(answer)) if (f.field === 2 && f.wire === LEN) return (f.value as Buffer).toString('utf8');
    } catch {
      // not a Status after all
    }
  }
  if (/json/i.test(contentType)) {
    try {
      const message = JSON.parse(answer.toString('utf8'))?.message;
      if (typeof message === 'string') return message;
    } catch {
      // fall through to the text
    }
  }
  return answer.toString('utf8');
}
