package dev.gocontext.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service accepts connections on a thread of its own, unless told otherwise. */
class DedicatedAcceptorTest {
    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(SamplesApplication.ACCEPTOR_THREADS);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(SamplesApplication.ACCEPTOR_THREADS);
        } else {
            System.setProperty(SamplesApplication.ACCEPTOR_THREADS, before);
        }
    }

    @Test
    void oneAcceptorThreadWhenNothingIsSet() {
        System.clearProperty(SamplesApplication.ACCEPTOR_THREADS);

        SamplesApplication.useADedicatedAcceptor();

        assertThat(System.getProperty(SamplesApplication.ACCEPTOR_THREADS)).isEqualTo("1");
    }

    @Test
    void aValueSetOnTheCommandLineIsKept() {
        System.setProperty(SamplesApplication.ACCEPTOR_THREADS, "-1");

        SamplesApplication.useADedicatedAcceptor();

        assertThat(System.getProperty(SamplesApplication.ACCEPTOR_THREADS)).isEqualTo("-1");
    }
}
