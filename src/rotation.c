/* rotation: not written yet */
