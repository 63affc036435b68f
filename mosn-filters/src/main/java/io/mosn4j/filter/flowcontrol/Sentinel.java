package io.mosn4j.filter.flowcontrol;

import com.alibaba.csp.sentinel.slots.block.RuleConstant;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRule;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRuleManager;
import io.mosn4j.api.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process's one Sentinel: where it logs, and the flow rules of every {@code flowControlFilter}
 * config. Sentinel keeps its rules and counters per process, as MOSN's sentinel-golang does; unlike
 * MOSN (where the last config loaded replaces every rule), each filter config here keeps its own
 * rules, and Sentinel holds their union. Called at config load only, never on an event loop.
 */
final class Sentinel {
    /** Sentinel's system properties, read once when its classes first load. */
    private static final String LOG_DIR = "csp.sentinel.log.dir";
    private static final String APP_NAME = "csp.sentinel.app.name";
    /** Where Sentinel's bundled EagleEye (its block log) puts its own files: else under the user's home. */
    private static final String EAGLEEYE_DIR = "EAGLEEYE.LOG.PATH";
    private static final String BASE_DIR = "JM.LOG.PATH";

    private static final Map<String, List<FlowControlConfig.Rule>> RULES = new LinkedHashMap<>();
    private static String logPath;
    private static String appName;

    private Sentinel() {}

    /**
     * Points Sentinel's logs at {@code config}'s {@code log_path} (never the user's home, Sentinel's
     * default) before its classes load. The first config decides, as MOSN's one-time init does.
     */
    static synchronized void init(FlowControlConfig config, ConfigValue at) {
        if (logPath != null) {
            boolean explicit = !at.get("log_path").isMissing() || !at.get("app_name").isMissing();
            if (explicit && (!logPath.equals(config.logPath()) || !appName.equals(config.appName()))) {
                at.warn("log_path", "Sentinel is one per process and already logs to " + logPath + " as app \"" + appName
                        + "\" (the first flowControlFilter's); this config's log_path and app_name are ignored");
            }
            return;
        }
        logPath = config.logPath();
        appName = config.appName();
        String dir = logPath.endsWith("/") ? logPath : logPath + "/";
        System.setProperty(LOG_DIR, dir);
        System.setProperty(EAGLEEYE_DIR, dir);
        System.setProperty(BASE_DIR, dir);
        System.setProperty(APP_NAME, appName);
        try {
            // Sentinel's set-up (its clock thread, log files, init functions) happens here, not on the first request's event loop
            Class.forName("com.alibaba.csp.sentinel.Env", true, Sentinel.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes {@code rules} the rules of the filter config at {@code owner}, replacing what it had. */
    static synchronized void load(String owner, List<FlowControlConfig.Rule> rules) {
        RULES.put(owner, rules);
        List<FlowRule> all = new ArrayList<>();
        for (List<FlowControlConfig.Rule> list : RULES.values()) {
            for (FlowControlConfig.Rule r : list) {
                all.add(flowRule(r));
            }
        }
        // Sentinel's rule objects get its rate controllers attached: build fresh ones every time
        FlowRuleManager.loadRules(all);
    }

    private static FlowRule flowRule(FlowControlConfig.Rule r) {
        FlowRule f = new FlowRule(r.resource());
        f.setGrade(r.grade());
        f.setCount(r.count());
        f.setLimitApp(RuleConstant.LIMIT_APP_DEFAULT);
        if (r.refResource() != null) {
            f.setStrategy(RuleConstant.STRATEGY_RELATE);
            f.setRefResource(r.refResource());
        }
        if (r.warmUpPeriodSec() > 0) {
            f.setControlBehavior(RuleConstant.CONTROL_BEHAVIOR_WARM_UP);
            f.setWarmUpPeriodSec(r.warmUpPeriodSec());
        }
        return f;
    }
}
