package io.mosn4j.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * A bolt v1 load generator, the bolt counterpart of h2load in load.sh: {@code -c} connections, each
 * keeping {@code -m} rpc requests in flight (pipelined: a new request leaves as soon as an answer
 * comes back), for {@code -d} seconds after {@code -w} seconds of warm-up in the same process.
 *
 * <pre>
 * java -cp mosn-bench/target/benchmarks.jar io.mosn4j.bench.load.BoltLoad [options] HOST:PORT
 *   -c N            connections (50)
 *   -m N            requests in flight per connection (10)
 *   -d SECONDS      measured duration (10)
 *   -w SECONDS      warm-up before the measured window, not counted (0)
 *   -t N            event-loop threads (2)
 *   -s BYTES        request content size (200); the answer echoes it
 *   --service NAME  the header map's "service" (com.example.EchoService:1.0)
 *   --timeout-ms N  an unanswered request counts as an error after this long (5000)
 *   --cpu-pids LIST comma-separated pids whose CPU time (utime+stime, /proc/PID/stat) over the
 *                   measured window is reported as proxy_cpu_ticks (clock ticks)
 *   --probe         one heartbeat and one request, then exit: 0 if both were answered with status 0
 * </pre>
 *
 * Every request carries a class name, a header map ({@code service}, {@code sofa_head_method_name})
 * and {@code -s} bytes of content. Latency is from writing a request to reading its answer, recorded
 * in microseconds in an HdrHistogram for the answers that arrive in the measured window. Errors over
 * the whole run: answers with a non-zero status, answers that are not an echo of the request,
 * timeouts, failed connects, connections lost with requests outstanding, and undecodable bytes. After
 * the window no new request leaves; the outstanding ones are awaited (up to 2 s), then the
 * connections are closed.
 *
 * <p>The last line is the machine-readable summary, {@code BOLTLOAD key=value ...}: requests, rps,
 * p50_ms, p99_ms, mean_ms, max_ms, errors (status_errors + io_errors), elapsed_s, proxy_cpu_ticks.
 */
public final class BoltLoad {
    static final String REQUEST_CLASS = "com.alipay.sofa.rpc.core.request.SofaRequest";
    static final int MAX_FRAME = 16 * 1024 * 1024;
    static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(120);
    static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);

    private BoltLoad() {}

    // ------------------------------------------------------------------ options

    record Options(String host, int port, int connections, int inflight, int durationS, int warmupS, int threads,
            int contentBytes, String service, int timeoutMs, List<Integer> cpuPids, boolean probe) {}

    static final String USAGE = """
            usage: BoltLoad [options] HOST:PORT
              -c N            connections (50)
              -m N            requests in flight per connection (10)
              -d SECONDS      measured duration (10)
              -w SECONDS      warm-up before the measured window, not counted (0)
              -t N            event-loop threads (2)
              -s BYTES        request content size (200); the answer echoes it
              --service NAME  the header map's "service" (com.example.EchoService:1.0)
              --timeout-ms N  an unanswered request counts as an error after this long (5000)
              --cpu-pids LIST comma-separated pids whose CPU ticks over the window are reported
              --probe         one heartbeat and one request; exit 0 if both are answered with status 0""";

    /** What {@link #parse} throws for -h / --help. */
    static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super("help", null, false, false);
        }
    }

    static Options parse(String[] args) {
        int c = 50;
        int m = 10;
        int d = 10;
        int w = 0;
        int t = 2;
        int s = 200;
        int timeout = 5000;
        String service = "com.example.EchoService:1.0";
        List<Integer> pids = new ArrayList<>();
        boolean probe = false;
        String target = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-c" -> c = positive(a, value(args, ++i, a));
                case "-m" -> m = positive(a, value(args, ++i, a));
                case "-d" -> d = positive(a, value(args, ++i, a));
                case "-w" -> w = nonNegative(a, value(args, ++i, a));
                case "-t" -> t = positive(a, value(args, ++i, a));
                case "-s" -> s = nonNegative(a, value(args, ++i, a));
                case "--service" -> service = value(args, ++i, a);
                case "--timeout-ms" -> timeout = positive(a, value(args, ++i, a));
                case "--cpu-pids" -> {
                    for (String p : value(args, ++i, a).split(",")) {
                        if (!p.isBlank()) {
                            pids.add(positive(a, p.trim()));
                        }
                    }
                }
                case "--probe" -> probe = true;
                case "-h", "--help" -> throw new HelpRequested();
                default -> {
                    if (a.startsWith("-") || target != null) {
                        throw new IllegalArgumentException("unexpected argument: " + a);
                    }
                    target = a;
                }
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("missing HOST:PORT");
        }
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("target must be HOST:PORT, got " + target);
        }
        if (m > 1 << 20) {
            throw new IllegalArgumentException("-m must be at most " + (1 << 20));
        }
        return new Options(target.substring(0, colon), positive("port", target.substring(colon + 1)), c, m, d, w, t, s,
                service, timeout, List.copyOf(pids), probe);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        int n = nonNegative(option, v);
        if (n == 0) {
            throw new IllegalArgumentException(option + " must be > 0");
        }
        return n;
    }

    private static int nonNegative(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a non-negative integer: " + v);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (HelpRequested e) {
            System.out.println(USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("BoltLoad: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.exit(o.probe() ? probe(o) : new Run(o).run());
    }

    static byte[] requestTemplate(Options o) {
        byte[] content = new byte[o.contentBytes()];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        return BoltWire.request(o.timeoutMs(), REQUEST_CLASS,
                new String[] {"service", o.service(), "sofa_head_method_name", "echo"}, content);
    }

    // ------------------------------------------------------------------ probe

    /** One heartbeat and one rpc request on one connection; 0 when both come back with status 0. */
    static int probe(Options o) throws InterruptedException {
        BoltWire.Transport transport = BoltWire.Transport.pick();
        EventLoopGroup group = transport.group(1);
        byte[] request = requestTemplate(o);
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            ChannelFuture cf = new Bootstrap().group(group).channel(transport.channel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new BoltWire.FrameDecoder(MAX_FRAME), new ChannelInboundHandlerAdapter() {
                                boolean beat;
                                boolean rpc;

                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.write(ctx.alloc().buffer().writeBytes(BoltWire.heartbeat()).setInt(BoltWire.ID_OFFSET, 1));
                                    ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(request).setInt(BoltWire.ID_OFFSET, 2));
                                }

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf f = (ByteBuf) msg;
                                    try {
                                        int r = f.readerIndex();
                                        int id = f.getInt(r + BoltWire.ID_OFFSET);
                                        int status = f.getUnsignedShort(r + BoltWire.TIMEOUT_OR_STATUS_OFFSET);
                                        short cmd = f.getShort(r + BoltWire.CMD_OFFSET);
                                        if (!BoltWire.isResponse(f) || status != 0) {
                                            result.complete("answer to id " + id + ": type " + f.getByte(r + 1) + " status " + status);
                                        } else if (id == 1 && cmd == BoltWire.CMD_HEARTBEAT) {
                                            beat = true;
                                        } else if (id == 2 && cmd == BoltWire.CMD_RPC_RESPONSE
                                                && BoltWire.contentLength(f) == o.contentBytes()) {
                                            rpc = true;
                                        } else {
                                            result.complete("unexpected answer: id " + id + " cmd " + cmd);
                                        }
                                        if (beat && rpc) {
                                            result.complete("");
                                        }
                                    } finally {
                                        f.release();
                                    }
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    result.complete("connection closed");
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    result.complete(cause.toString());
                                    ctx.close();
                                }
                            });
                        }
                    })
                    .connect(o.host(), o.port());
            if (!cf.await(3, TimeUnit.SECONDS) || !cf.isSuccess()) {
                System.err.println("BoltLoad probe: cannot connect to " + o.host() + ":" + o.port() + ": " + cf.cause());
                return 1;
            }
            String why;
            try {
                why = result.get(3, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                why = "no answer within 3 s";
            }
            cf.channel().close().await(1, TimeUnit.SECONDS);
            if (!why.isEmpty()) {
                System.err.println("BoltLoad probe " + o.host() + ":" + o.port() + ": " + why);
                return 1;
            }
            System.out.println("BoltLoad probe " + o.host() + ":" + o.port() + ": heartbeat and request answered");
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(3, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ load

    /** Counters of one event-loop thread; read by the main thread only after the loops stopped. */
    static final class Stats {
        final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        long requests;        // good answers in the measured window
        long answered;        // good answers, whole run
        long statusErrors;    // answers with a non-zero status
        long badAnswers;      // not an rpc response, or not an echo of the request
        long timeouts;
        long unknownIds;      // answers to no outstanding request (e.g. after a timeout)
        long lostConnections; // closed by the peer or failed
        long lostRequests;    // outstanding on a lost connection
        long decodeErrors;
        long heartbeatsAnswered;
    }

    static final class Run {
        final Options o;
        final byte[] template;
        final ConcurrentLinkedQueue<Stats> allStats = new ConcurrentLinkedQueue<>();
        final ThreadLocal<Stats> stats = ThreadLocal.withInitial(() -> {
            Stats s = new Stats();
            allStats.add(s);
            return s;
        });
        final List<Conn> conns = new ArrayList<>();
        long measureStart;
        long measureEnd;
        volatile boolean stopping;
        volatile boolean closing;
        int connectFailures;

        Run(Options o) {
            this.o = o;
            this.template = requestTemplate(o);
        }

        int run() throws Exception {
            BoltWire.Transport transport = BoltWire.Transport.pick();
            EventLoopGroup group = transport.group(o.threads());
            System.out.printf("BoltLoad: %d connections x %d in flight to %s:%d, %d s (+%d s warm-up), %d threads (%s), "
                    + "request %d bytes (content %d)%n", o.connections(), o.inflight(), o.host(), o.port(), o.durationS(),
                    o.warmupS(), o.threads(), transport.name(), template.length, o.contentBytes());
            try {
                Bootstrap b = new Bootstrap().group(group).channel(transport.channel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                Conn conn = new Conn(Run.this);
                                synchronized (conns) {
                                    conns.add(conn);
                                }
                                ch.pipeline().addLast(new BoltWire.FrameDecoder(MAX_FRAME), conn);
                            }
                        });
                List<ChannelFuture> connects = new ArrayList<>();
                for (int i = 0; i < o.connections(); i++) {
                    connects.add(b.connect(o.host(), o.port()));
                }
                List<Channel> channels = new ArrayList<>();
                String firstFailure = null;
                for (ChannelFuture f : connects) {
                    f.awaitUninterruptibly();
                    if (f.isSuccess()) {
                        channels.add(f.channel());
                    } else {
                        connectFailures++;
                        if (firstFailure == null) {
                            firstFailure = String.valueOf(f.cause());
                        }
                    }
                }
                if (channels.isEmpty()) {
                    System.out.println("BoltLoad: no connection to " + o.host() + ":" + o.port() + ": " + firstFailure);
                    return 1;
                }
                if (firstFailure != null) {
                    System.out.println("BoltLoad: " + connectFailures + " connects failed, first: " + firstFailure);
                }
                long t0 = System.nanoTime();
                measureStart = t0 + TimeUnit.SECONDS.toNanos(o.warmupS());
                measureEnd = measureStart + TimeUnit.SECONDS.toNanos(o.durationS());
                List<Conn> started;
                synchronized (conns) {
                    started = List.copyOf(conns);
                }
                for (Conn c : started) {
                    c.startLater(); // the window fields are written before, so the loops see them
                }
                sleepUntil(measureStart);
                long cpu0 = ticks(o.cpuPids());
                long self0 = selfTicks();
                sleepUntil(measureEnd);
                long cpu1 = ticks(o.cpuPids());
                long self1 = selfTicks();
                stopping = true;
                long drainEnd = System.nanoTime() + DRAIN_NANOS;
                long outstanding;
                do {
                    Thread.sleep(20);
                    outstanding = 0;
                    for (Conn c : started) {
                        outstanding += c.outstandingFromOutside();
                    }
                } while (outstanding > 0 && System.nanoTime() < drainEnd);
                closing = true;
                for (Channel ch : channels) {
                    ch.close();
                }
                for (Channel ch : channels) {
                    ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
                }
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                report(cpu1 - cpu0, self1 - self0, outstanding, channels.size());
                return 0;
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }

        void report(long proxyTicks, long selfTicks, long leftOutstanding, int connected) {
            Histogram h = new Histogram(HIGHEST_MICROS, 3);
            Stats sum = new Stats();
            for (Stats s : allStats) {
                h.add(s.histogram);
                sum.requests += s.requests;
                sum.answered += s.answered;
                sum.statusErrors += s.statusErrors;
                sum.badAnswers += s.badAnswers;
                sum.timeouts += s.timeouts;
                sum.unknownIds += s.unknownIds;
                sum.lostConnections += s.lostConnections;
                sum.lostRequests += s.lostRequests;
                sum.decodeErrors += s.decodeErrors;
                sum.heartbeatsAnswered += s.heartbeatsAnswered;
            }
            double elapsed = o.durationS();
            long ioErrors = connectFailures + sum.lostConnections + sum.timeouts + sum.badAnswers + sum.unknownIds
                    + sum.decodeErrors;
            long errors = sum.statusErrors + ioErrors;
            double p50 = ms(h.getValueAtPercentile(50));
            double p90 = ms(h.getValueAtPercentile(90));
            double p99 = ms(h.getValueAtPercentile(99));
            double p999 = ms(h.getValueAtPercentile(99.9));
            double mean = h.getTotalCount() == 0 ? 0 : h.getMean() / 1000.0;
            double max = ms(h.getMaxValue());
            System.out.printf(Locale.ROOT, "requests: %d in %.0f s, %.2f req/s (%d answered in the whole run, %d connections)%n",
                    sum.requests, elapsed, sum.requests / elapsed, sum.answered, connected);
            System.out.printf(Locale.ROOT, "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  mean %.3f  max %.3f%n",
                    p50, p90, p99, p999, mean, max);
            System.out.printf(Locale.ROOT, "errors: %d status!=0, %d failed connects, %d lost connections (%d requests "
                    + "outstanding), %d timeouts, %d bad answers, %d unknown ids, %d decode errors; "
                    + "%d still outstanding after the drain; %d heartbeats answered%n",
                    sum.statusErrors, connectFailures, sum.lostConnections, sum.lostRequests, sum.timeouts, sum.badAnswers,
                    sum.unknownIds, sum.decodeErrors, leftOutstanding, sum.heartbeatsAnswered);
            System.out.printf(Locale.ROOT, "client cpu: %.2f s over the window%n", selfTicks / (double) CLK_TCK);
            System.out.printf(Locale.ROOT, "BOLTLOAD requests=%d rps=%.2f p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f max_ms=%.3f "
                    + "errors=%d status_errors=%d io_errors=%d elapsed_s=%.2f proxy_cpu_ticks=%s client_cpu_ticks=%d%n",
                    sum.requests, sum.requests / elapsed, p50, p99, mean, max, errors, sum.statusErrors, ioErrors, elapsed,
                    o.cpuPids().isEmpty() ? "n/a" : Long.toString(proxyTicks), selfTicks);
            System.out.flush();
        }
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    /** USER_HZ: the unit of /proc/PID/stat's times; 100 on every Linux architecture Java runs on. */
    static final long CLK_TCK = 100;

    /** utime + stime of {@code pids} in clock ticks; a pid that is gone counts 0. */
    static long ticks(List<Integer> pids) {
        long total = 0;
        for (int pid : pids) {
            total += ticks("/proc/" + pid + "/stat");
        }
        return total;
    }

    static long selfTicks() {
        return ticks("/proc/self/stat");
    }

    private static long ticks(String statFile) {
        try {
            String st = Files.readString(Path.of(statFile), StandardCharsets.US_ASCII);
            // after the command name (which may hold spaces and parentheses): field 3 (state) on
            String[] f = st.substring(st.lastIndexOf(')') + 2).trim().split(" +");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 utime, 15 stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * One connection. Its {@code inflight} lanes each hold one outstanding request; a request's id
     * is a sequence number shifted left with the lane in the low bits, so an answer finds its lane
     * and send time without a map, and a stale or foreign id is recognised.
     */
    static final class Conn extends ChannelInboundHandlerAdapter {
        final Run run;
        final int lanes;
        final int laneBits;
        final int laneMask;
        final int[] expectedId;
        final long[] sentAt;
        final long timeoutNanos;
        final int contentBytes;
        ChannelHandlerContext ctx;
        Stats stats;
        int sequence;
        int outstanding;
        volatile int outstandingSnapshot;
        ScheduledFuture<?> timeoutCheck;

        Conn(Run run) {
            this.run = run;
            this.lanes = run.o.inflight();
            this.laneBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, lanes - 1));
            this.laneMask = (1 << laneBits) - 1;
            this.expectedId = new int[lanes];
            Arrays.fill(expectedId, -1);
            this.sentAt = new long[lanes];
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(run.o.timeoutMs());
            this.contentBytes = run.o.contentBytes();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            stats = run.stats.get();
        }

        void startLater() {
            ctx.channel().eventLoop().execute(this::start);
        }

        private void start() {
            if (!ctx.channel().isActive()) {
                return;
            }
            stats = run.stats.get();
            for (int lane = 0; lane < lanes; lane++) {
                send(lane);
            }
            ctx.flush();
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), timeoutNanos / 10);
            timeoutCheck = ctx.channel().eventLoop().scheduleAtFixedRate(this::expire, period, period, TimeUnit.NANOSECONDS);
        }

        long outstandingFromOutside() {
            return outstandingSnapshot;
        }

        private void send(int lane) {
            if (run.stopping || !ctx.channel().isActive()) {
                return;
            }
            int id = ((sequence++ << laneBits) | lane) & Integer.MAX_VALUE;
            expectedId[lane] = id;
            sentAt[lane] = System.nanoTime();
            outstanding++;
            outstandingSnapshot = outstanding;
            ByteBuf buf = ctx.alloc().ioBuffer(run.template.length);
            buf.writeBytes(run.template).setInt(BoltWire.ID_OFFSET, id);
            ctx.write(buf, ctx.voidPromise());
        }

        private void expire() {
            long now = System.nanoTime();
            boolean sent = false;
            for (int lane = 0; lane < lanes; lane++) {
                if (expectedId[lane] != -1 && now - sentAt[lane] > timeoutNanos) {
                    stats.timeouts++;
                    expectedId[lane] = -1;
                    outstanding--;
                    send(lane);
                    sent = true;
                }
            }
            outstandingSnapshot = outstanding;
            if (sent) {
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf f = (ByteBuf) msg;
            try {
                if (stats == null) {
                    stats = run.stats.get();
                }
                int r = f.readerIndex();
                short cmd = f.getShort(r + BoltWire.CMD_OFFSET);
                if (!BoltWire.isResponse(f)) {
                    if (cmd == BoltWire.CMD_HEARTBEAT && f.getByte(r + BoltWire.TYPE_OFFSET) == BoltWire.TYPE_REQUEST) {
                        stats.heartbeatsAnswered++;
                        ctx.write(BoltWire.response(ctx.alloc(), f, BoltWire.CMD_HEARTBEAT, 0, new byte[0], 0, 0),
                                ctx.voidPromise());
                    } else {
                        stats.badAnswers++;
                    }
                    return;
                }
                long now = System.nanoTime();
                int id = f.getInt(r + BoltWire.ID_OFFSET);
                int lane = id & laneMask;
                if (lane >= lanes || expectedId[lane] != id) {
                    stats.unknownIds++;
                    return;
                }
                expectedId[lane] = -1;
                outstanding--;
                outstandingSnapshot = outstanding;
                long micros = (now - sentAt[lane]) / 1000;
                int status = f.getUnsignedShort(r + BoltWire.TIMEOUT_OR_STATUS_OFFSET);
                if (status != 0) {
                    stats.statusErrors++;
                } else if (cmd != BoltWire.CMD_RPC_RESPONSE || BoltWire.contentLength(f) != contentBytes) {
                    stats.badAnswers++;
                } else {
                    stats.answered++;
                    if (now >= run.measureStart && now < run.measureEnd) {
                        stats.requests++;
                        stats.histogram.recordValue(Math.min(Math.max(micros, 0), HIGHEST_MICROS));
                    }
                }
                send(lane);
            } finally {
                f.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timeoutCheck != null) {
                timeoutCheck.cancel(false);
            }
            if (!run.closing && stats != null) {
                stats.lostConnections++;
                stats.lostRequests += outstanding;
            }
            outstanding = 0;
            outstandingSnapshot = 0;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (stats == null) {
                stats = run.stats.get();
            }
            if (cause instanceof DecoderException) {
                stats.decodeErrors++;
            }
            if (!run.closing) {
                System.err.println("BoltLoad: connection " + ctx.channel().localAddress() + " failed: " + cause);
            }
            ctx.close();
        }
    }
}
