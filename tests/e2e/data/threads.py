"""threads.py - what tests/e2e's compare-python3-threads runs natively and under faultline."""
import concurrent.futures
import queue
import threading

t = threading.Thread(target=print, args=("hello from a thread",))
t.start()
t.join()

with concurrent.futures.ThreadPoolExecutor(4) as pool:
    print(sum(pool.map(lambda x: x * x, range(100))))

q = queue.Queue()


def produce():
    for i in range(1000):
        q.put(i)
    q.put(None)


producer = threading.Thread(target=produce)
producer.start()
total = 0
while (v := q.get()) is not None:
    total += v
producer.join()
print(total, threading.active_count())
