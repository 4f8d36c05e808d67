/* presenters: not written yet */
