"""OGC API - Features: havens, schools, published heat cells and hot spots for GIS tools."""
