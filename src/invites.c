/* invites: not written yet */
