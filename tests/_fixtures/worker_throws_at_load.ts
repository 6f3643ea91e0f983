// A daemon module whose evaluation fails: registering it must reject, not hang.
throw new Error("cannot start: no config");
