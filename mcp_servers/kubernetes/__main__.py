import gc

gc.disable()  # start-up only makes what lives as long as the server: collected never (server._serving freezes it)

from .server import main  # noqa: E402

main()
