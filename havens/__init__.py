"""Safe Haven registry: businesses that take in a scared child."""
