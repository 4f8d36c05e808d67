/* invites.h: not written yet */
