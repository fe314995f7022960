"""The talk's "stars" page: NASA's picture of the day and the wind on Mars."""
