import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed-rate HTTP/1.1 load client for sidecar/bench/run-vs-nginx.sh (wrk2 is not in Debian): request i
 * is due at start + i / rate whatever happened before, and its latency is counted from that moment
 * (so a stall is not hidden: no coordinated omission), as wrk2 does. C keep-alive connections, one
 * platform thread each, take the next due request. Reports percentiles of that latency (response
 * time) and of the time from the request's actual send to its answer (service time), in µs.
 *
 * <pre>java sidecar/bench/FixedRateLoad.java HOST:PORT HOST_HEADER RATE WARMUP_S DURATION_S CONNECTIONS [unique]</pre>
 * With {@code unique}, every request has its own path (/r/&lt;n&gt;): a cold decision cache in a sidecar.
 * With the environment variable {@code FIXED_RATE_TIMELINE} set to a file name, every recorded request is
 * written there as a line {@code due_epoch_us response_us service_us connection}, in due order: to see
 * whether the slow requests come together (a stall: a pause, a reconnection) or one by one.
 */
public final class FixedRateLoad {

    public static void main(String[] args) throws Exception {
        String[] target = args[0].split(":");
        String host = args[1];
        double rate = Double.parseDouble(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int duration = Integer.parseInt(args[4]);
        int connections = Integer.parseInt(args[5]);
        boolean unique = args.length > 6 && args[6].equals("unique");
        InetSocketAddress address = new InetSocketAddress(target[0], Integer.parseInt(target[1]));
        long period = (long) (1e9 / rate);
        long total = (long) (rate * (warmup + duration));
        long recordFrom = (long) (rate * warmup);
        long[] response = new long[(int) (total - recordFrom)];
        long[] service = new long[response.length];
        int[] connectionOf = new int[response.length];
        AtomicLong next = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Map<Integer, AtomicLong> statuses = new HashMap<>();
        long start = System.nanoTime() + 200_000_000L;
        long startEpochMicros = System.currentTimeMillis() * 1000 + 200_000;
        Thread[] workers = new Thread[connections];
        for (int c = 0; c < connections; c++) {
            int connection = c;
            workers[c] = Thread.ofPlatform().start(() -> {
                Conn conn = null;
                while (true) {
                    long i = next.getAndIncrement();
                    if (i >= total) {
                        break;
                    }
                    long due = start + i * period;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        if (wait > 100_000) {
                            LockSupport.parkNanos(wait - 60_000);
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    long sent = System.nanoTime();
                    int status;
                    try {
                        if (conn == null) {
                            conn = new Conn(address);
                        }
                        String path = unique ? "/r/" + i : "/";
                        status = conn.get(host, path);
                    } catch (IOException e) {
                        status = -1;
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                    }
                    long done = System.nanoTime();
                    if (status != 200) {
                        errors.incrementAndGet();
                        synchronized (statuses) {
                            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                        }
                    }
                    if (i >= recordFrom) {
                        response[(int) (i - recordFrom)] = done - due;
                        service[(int) (i - recordFrom)] = done - sent;
                        connectionOf[(int) (i - recordFrom)] = connection;
                    }
                }
                if (conn != null) {
                    conn.close();
                }
            });
        }
        for (Thread t : workers) {
            t.join();
        }
        long elapsed = System.nanoTime() - start;
        String timeline = System.getenv("FIXED_RATE_TIMELINE");
        if (timeline != null && !timeline.isEmpty()) {
            try (var w = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(timeline)))) {
                for (int k = 0; k < response.length; k++) {
                    w.printf("%d %d %d %d%n", startEpochMicros + (recordFrom + k) * period / 1000, response[k] / 1000,
                            service[k] / 1000, connectionOf[k]);
                }
            }
        }
        Arrays.sort(response);
        Arrays.sort(service);
        System.out.printf("rate=%.0f requests=%d errors=%d statuses=%s achieved=%.1f/s response_us p50=%.0f p90=%.0f p99=%.0f p99.9=%.0f max=%.0f"
                        + " service_us p50=%.0f p99=%.0f%n",
                rate, total, errors.get(), statuses, total / (elapsed / 1e9), us(response, 0.50), us(response, 0.90), us(response, 0.99),
                us(response, 0.999), response[response.length - 1] / 1e3, us(service, 0.50), us(service, 0.99));
    }

    private static double us(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e3;
    }

    /** One keep-alive HTTP/1.1 connection; answers must carry Content-Length (all three paths' do). */
    private static final class Conn {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Conn(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16384);
        }

        int get(String host, String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: fixed-rate-load\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean close = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase();
                String value = h.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                    close = true;
                }
            }
            if (length < 0) {
                throw new IOException("no Content-Length");
            }
            in.skipNBytes(length);
            if (close) {
                // counted with its status; the next request opens a new connection
                throw new IOException("connection: close after status " + status);
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
