/* outbox: not written yet */
