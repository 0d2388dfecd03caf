// Moves the clock the tests see by CLOCK_SHIFT_DAYS days (new Date() and Date.now() only; dates
// built from a value are unchanged), so a soak run shows which tests depend on today's date.
'use strict';
const days = Number(process.env.CLOCK_SHIFT_DAYS ?? '0');
if (days !== 0) {
  const shift = days * 86400000;
  const RealDate = global.Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + shift);
      else super(...args);
    }
    static now() {
      return RealDate.now() + shift;
    }
  }
  global.Date = ShiftedDate;
}
