/* digest.h: not written yet */
