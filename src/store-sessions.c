/* store-sessions: not written yet */
