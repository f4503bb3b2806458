"""mp_pool.py - what tests/e2e's compare-python3-pool runs natively and under faultline:
multiprocessing.Pool, i.e. forked workers, shared semaphores, pipes, and three threads in the
parent that hand Python's GIL to each other."""
import multiprocessing

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.map(abs, range(-50, 50))))
        print(pool.apply(pow, (2, 10)))
