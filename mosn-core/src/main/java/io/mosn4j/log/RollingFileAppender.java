package io.mosn4j.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The error log ({@code default_log_path} a file) through logback, written to a {@link RollingFile}
 * so that {@code global_log_roller} rolls it as it rolls the access logs.
 */
final class RollingFileAppender extends OutputStreamAppender<ILoggingEvent> {
    private final RollingFile file;

    RollingFileAppender(RollingFile file) {
        this.file = file;
    }

    @Override
    public void start() {
        setOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                file.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                file.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                file.flush();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        });
        super.start();
    }
}
