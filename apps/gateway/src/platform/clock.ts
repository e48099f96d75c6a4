// The clock is an adapter so that expiry logic can be tested without sleeping.
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
