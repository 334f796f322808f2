import sys

if sys.argv[1:2] == ["soak"]:  # python -m bench soak --minutes 5: bench/soak.py
    del sys.argv[1]
    import runpy

    runpy.run_module("bench.soak", run_name="__main__")
else:
    from bench.run import main

    main()
