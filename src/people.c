/* people: not written yet */
