# A Python loop while a second thread sleeps. The sleeper's timed wait keeps the process on the
# engine with the time slice's block hook (emu/run.c, quantum_update): the row shows what a
# multi-threaded interpreter pays there, next to qemu-user and native.
import sys
import threading
import time

threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
total = 0
for i in range(int(sys.argv[1])):
    total += i * i
print(total)
