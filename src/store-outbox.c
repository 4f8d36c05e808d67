/* store-outbox: not written yet */
