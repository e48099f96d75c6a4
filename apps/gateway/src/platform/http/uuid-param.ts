import { Param, ParseUUIDPipe } from '@nestjs/common';
import { JitgateError } from '../errors/jitgate.error.js';

/** `@UuidParam('id') id: string` — a malformed id is a 400 that names the parameter. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new JitgateError('validation_failed', `the path parameter "${name}" must be a UUID`),
    }),
  );
