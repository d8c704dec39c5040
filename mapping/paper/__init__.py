"""Paper worksheets: printed class maps pupils colour in, photographed back into zones."""
