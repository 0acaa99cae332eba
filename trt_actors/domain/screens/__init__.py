"""Every screen, as a pure function of the state and the turn. Which code shows which screen
is declared by the areas (`domain.areas`); `area.Routes.render` shows `state.screen`.

A screen path is the callback codec's form without the version (``l|upscale|0``). A path
that no longer makes sense (a model taken out of the catalog, a draft that is gone) renders
the main menu.
"""
