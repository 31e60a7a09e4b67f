"""The kernel side: ``%%track`` and the other magics, cell capture, and the comparison
view shown in a notebook."""
