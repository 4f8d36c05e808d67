/* cmd-outbox: not written yet */
