"""Pictures a person wants to look at: image grids, KL bars, training curves."""

from vaekit.viz.codebook import save_codebook_usage
from vaekit.viz.grids import image_grid, save_grid
from vaekit.viz.heatmaps import save_heatmap
from vaekit.viz.latent_map import save_latent_map
from vaekit.viz.plots import save_curves, save_kl_bars
from vaekit.viz.traversals import save_traversals

__all__ = [
    "image_grid",
    "save_codebook_usage",
    "save_curves",
    "save_grid",
    "save_heatmap",
    "save_kl_bars",
    "save_latent_map",
    "save_traversals",
]
