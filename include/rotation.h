/* rotation.h: not written yet */
