"""The Wagtail site factory: one Wagtail instance serving a website per member.

`driver.SiteDriver` provisions each member's Site, page tree, settings, collection and editors'
group; `models` holds the page types of the commune template; `middleware` and `wagtail_hooks`
keep each member's editors inside their own site.
"""
