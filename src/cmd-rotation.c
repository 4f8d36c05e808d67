/* cmd-rotation: not written yet */
