package dev.gocontext;

/**
 * Unregisters a node from a user-written parent once the node is done for any reason, so that a
 * long-lived parent keeps no reference to finished children.
 */
final class StopOnDone extends Waiter {
    private final Registration registration;

    StopOnDone(Registration registration) {
        this.registration = registration;
    }

    @Override
    void fire() {
        try {
            registration.stop();
        } catch (RuntimeException | Error e) {
            AfterDone.report(e);
        }
    }
}
