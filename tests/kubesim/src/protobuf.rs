//! Kubernetes protobuf request bodies, decoded into the JSON the apiserver would accept.
//!
//! kubectl's typed clients (`kubectl create deployment|configmap|secret|…`, `create
//! token`, `auth can-i`) send `application/vnd.kubernetes.protobuf` and do not fall
//! back to JSON on 415. A body is the magic `k8s\0` and a `runtime.Unknown` envelope
//! (type meta and the raw message). The messages are read with static descriptors:
//! field number → JSON name and kind, with the numbers of k8s.io/api's
//! `generated.proto`. Fields a descriptor does not list are skipped, as protobuf does.

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat};
use serde_json::{Map, Value, json};

use crate::status::{ApiError, ApiResult};

pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

/// How a field is encoded, and so how it looks in JSON.
enum Kind {
    String,
    Bool,
    /// int32 or int64 (a negative int32 is sign-extended to ten bytes on the wire).
    Int,
    /// base64 in JSON.
    Bytes,
    /// metav1.Time {seconds, nanos}: RFC 3339 in seconds, null when empty.
    Time,
    /// metav1.MicroTime: RFC 3339 in microseconds.
    MicroTime,
    IntOrString,
    Quantity,
    Message(&'static [Field]),
    /// A Go struct embedded with `json:",inline"`: its own message on the wire, its
    /// fields in the parent's JSON.
    Inline(&'static [Field]),
    Repeated(&'static Kind),
    /// map<string, V>: repeated entries with the key in field 1 and the value in 2.
    Map(&'static Kind),
}

struct Field {
    number: u64,
    name: &'static str,
    kind: Kind,
    /// A pointer in Go: on the wire only when set, so kept in JSON even when zero.
    /// Other scalars are always on the wire, and their zero values are left out of
    /// the JSON as Go's `omitempty` does.
    pointer: bool,
}

const fn f(number: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        pointer: false,
    }
}

const fn p(number: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        pointer: true,
    }
}

use Kind::{Bool, Bytes, Int, IntOrString, Message, MicroTime, Quantity, Repeated, String as Str, Time};

const STRINGS: Kind = Repeated(&Str);
const STRING_MAP: Kind = Kind::Map(&Str);
const QUANTITY_MAP: Kind = Kind::Map(&Quantity);

// k8s.io/apimachinery/pkg/apis/meta/v1

const OWNER_REFERENCE: &[Field] = &[
    f(1, "kind", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    f(5, "apiVersion", Str),
    p(6, "controller", Bool),
    p(7, "blockOwnerDeletion", Bool),
];

const OBJECT_META: &[Field] = &[
    f(1, "name", Str),
    f(2, "generateName", Str),
    f(3, "namespace", Str),
    f(4, "selfLink", Str),
    f(5, "uid", Str),
    f(6, "resourceVersion", Str),
    f(7, "generation", Int),
    f(8, "creationTimestamp", Time),
    f(9, "deletionTimestamp", Time),
    p(10, "deletionGracePeriodSeconds", Int),
    f(11, "labels", STRING_MAP),
    f(12, "annotations", STRING_MAP),
    f(13, "ownerReferences", Repeated(&Message(OWNER_REFERENCE))),
    f(14, "finalizers", STRINGS),
];

const LABEL_SELECTOR: &[Field] = &[
    f(1, "matchLabels", STRING_MAP),
    f(
        2,
        "matchExpressions",
        Repeated(&Message(&[
            f(1, "key", Str),
            f(2, "operator", Str),
            f(3, "values", STRINGS),
        ])),
    ),
];

const DELETE_OPTIONS: &[Field] = &[
    p(1, "gracePeriodSeconds", Int),
    f(
        2,
        "preconditions",
        Message(&[p(1, "uid", Str), p(2, "resourceVersion", Str)]),
    ),
    p(3, "orphanDependents", Bool),
    p(4, "propagationPolicy", Str),
    f(5, "dryRun", STRINGS),
];

// k8s.io/api/core/v1

const OBJECT_REFERENCE: &[Field] = &[
    f(1, "kind", Str),
    f(2, "namespace", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    f(5, "apiVersion", Str),
    f(6, "resourceVersion", Str),
    f(7, "fieldPath", Str),
];

const LOCAL_OBJECT_REFERENCE: &[Field] = &[f(1, "name", Str)];

const KEY_TO_PATH: &[Field] = &[f(1, "key", Str), f(2, "path", Str), p(3, "mode", Int)];

/// ConfigMapKeySelector and SecretKeySelector.
const KEY_SELECTOR: &[Field] = &[
    f(1, "", Kind::Inline(LOCAL_OBJECT_REFERENCE)),
    f(2, "key", Str),
    p(3, "optional", Bool),
];

/// ConfigMapEnvSource and SecretEnvSource.
const ENV_SOURCE: &[Field] = &[f(1, "", Kind::Inline(LOCAL_OBJECT_REFERENCE)), p(2, "optional", Bool)];

const ENV_VAR: &[Field] = &[
    f(1, "name", Str),
    f(2, "value", Str),
    f(
        3,
        "valueFrom",
        Message(&[
            f(
                1,
                "fieldRef",
                Message(&[f(1, "apiVersion", Str), f(2, "fieldPath", Str)]),
            ),
            f(
                2,
                "resourceFieldRef",
                Message(&[
                    f(1, "containerName", Str),
                    f(2, "resource", Str),
                    f(3, "divisor", Quantity),
                ]),
            ),
            f(3, "configMapKeyRef", Message(KEY_SELECTOR)),
            f(4, "secretKeyRef", Message(KEY_SELECTOR)),
        ]),
    ),
];

const CONTAINER: &[Field] = &[
    f(1, "name", Str),
    f(2, "image", Str),
    f(3, "command", STRINGS),
    f(4, "args", STRINGS),
    f(5, "workingDir", Str),
    f(
        6,
        "ports",
        Repeated(&Message(&[
            f(1, "name", Str),
            f(2, "hostPort", Int),
            f(3, "containerPort", Int),
            f(4, "protocol", Str),
            f(5, "hostIP", Str),
        ])),
    ),
    f(7, "env", Repeated(&Message(ENV_VAR))),
    f(
        8,
        "resources",
        Message(&[f(1, "limits", QUANTITY_MAP), f(2, "requests", QUANTITY_MAP)]),
    ),
    f(
        9,
        "volumeMounts",
        Repeated(&Message(&[
            f(1, "name", Str),
            f(2, "readOnly", Bool),
            f(3, "mountPath", Str),
            f(4, "subPath", Str),
            p(5, "mountPropagation", Str),
            f(6, "subPathExpr", Str),
        ])),
    ),
    f(13, "terminationMessagePath", Str),
    f(14, "imagePullPolicy", Str),
    f(16, "stdin", Bool),
    f(17, "stdinOnce", Bool),
    f(18, "tty", Bool),
    f(
        19,
        "envFrom",
        Repeated(&Message(&[
            f(1, "prefix", Str),
            f(2, "configMapRef", Message(ENV_SOURCE)),
            f(3, "secretRef", Message(ENV_SOURCE)),
        ])),
    ),
    f(20, "terminationMessagePolicy", Str),
    p(24, "restartPolicy", Str),
];

const VOLUME: &[Field] = &[
    f(1, "name", Str),
    f(
        2,
        "",
        Kind::Inline(&[
            f(1, "hostPath", Message(&[f(1, "path", Str), f(2, "type", Str)])),
            f(
                2,
                "emptyDir",
                Message(&[f(1, "medium", Str), f(2, "sizeLimit", Quantity)]),
            ),
            f(
                6,
                "secret",
                Message(&[
                    f(1, "secretName", Str),
                    f(2, "items", Repeated(&Message(KEY_TO_PATH))),
                    p(3, "defaultMode", Int),
                    p(4, "optional", Bool),
                ]),
            ),
            f(
                10,
                "persistentVolumeClaim",
                Message(&[f(1, "claimName", Str), f(2, "readOnly", Bool)]),
            ),
            f(
                19,
                "configMap",
                Message(&[
                    f(1, "", Kind::Inline(LOCAL_OBJECT_REFERENCE)),
                    f(2, "items", Repeated(&Message(KEY_TO_PATH))),
                    p(3, "defaultMode", Int),
                    p(4, "optional", Bool),
                ]),
            ),
        ]),
    ),
];

const TOLERATION: &[Field] = &[
    f(1, "key", Str),
    f(2, "operator", Str),
    f(3, "value", Str),
    f(4, "effect", Str),
    p(5, "tolerationSeconds", Int),
];

const POD_SPEC: &[Field] = &[
    f(1, "volumes", Repeated(&Message(VOLUME))),
    f(2, "containers", Repeated(&Message(CONTAINER))),
    f(3, "restartPolicy", Str),
    p(4, "terminationGracePeriodSeconds", Int),
    p(5, "activeDeadlineSeconds", Int),
    f(6, "dnsPolicy", Str),
    f(7, "nodeSelector", STRING_MAP),
    f(8, "serviceAccountName", Str),
    f(9, "serviceAccount", Str),
    f(10, "nodeName", Str),
    f(11, "hostNetwork", Bool),
    f(12, "hostPID", Bool),
    f(13, "hostIPC", Bool),
    f(15, "imagePullSecrets", Repeated(&Message(LOCAL_OBJECT_REFERENCE))),
    f(16, "hostname", Str),
    f(17, "subdomain", Str),
    f(19, "schedulerName", Str),
    f(20, "initContainers", Repeated(&Message(CONTAINER))),
    p(21, "automountServiceAccountToken", Bool),
    f(22, "tolerations", Repeated(&Message(TOLERATION))),
    f(24, "priorityClassName", Str),
    p(25, "priority", Int),
    p(29, "runtimeClassName", Str),
    p(30, "enableServiceLinks", Bool),
    p(31, "preemptionPolicy", Str),
];

const POD_TEMPLATE_SPEC: &[Field] = &[f(1, "metadata", Message(OBJECT_META)), f(2, "spec", Message(POD_SPEC))];

const POD: &[Field] = &[f(1, "metadata", Message(OBJECT_META)), f(2, "spec", Message(POD_SPEC))];

const SERVICE: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(
                1,
                "ports",
                Repeated(&Message(&[
                    f(1, "name", Str),
                    f(2, "protocol", Str),
                    f(3, "port", Int),
                    f(4, "targetPort", IntOrString),
                    f(5, "nodePort", Int),
                    p(6, "appProtocol", Str),
                ])),
            ),
            f(2, "selector", STRING_MAP),
            f(3, "clusterIP", Str),
            f(4, "type", Str),
            f(5, "externalIPs", STRINGS),
            f(7, "sessionAffinity", Str),
            f(8, "loadBalancerIP", Str),
            f(9, "loadBalancerSourceRanges", STRINGS),
            f(10, "externalName", Str),
            f(11, "externalTrafficPolicy", Str),
            f(12, "healthCheckNodePort", Int),
            f(13, "publishNotReadyAddresses", Bool),
            p(17, "ipFamilyPolicy", Str),
            f(18, "clusterIPs", STRINGS),
            f(19, "ipFamilies", STRINGS),
            p(20, "allocateLoadBalancerNodePorts", Bool),
            p(21, "loadBalancerClass", Str),
            p(22, "internalTrafficPolicy", Str),
        ]),
    ),
];

const CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "data", STRING_MAP),
    f(3, "binaryData", Kind::Map(&Bytes)),
    p(4, "immutable", Bool),
];

const SECRET: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "data", Kind::Map(&Bytes)),
    f(3, "type", Str),
    f(4, "stringData", STRING_MAP),
    p(5, "immutable", Bool),
];

const NAMESPACE: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "spec", Message(&[f(1, "finalizers", STRINGS)])),
];

const SERVICE_ACCOUNT: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "secrets", Repeated(&Message(OBJECT_REFERENCE))),
    f(3, "imagePullSecrets", Repeated(&Message(LOCAL_OBJECT_REFERENCE))),
    p(4, "automountServiceAccountToken", Bool),
];

const EVENT: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "involvedObject", Message(OBJECT_REFERENCE)),
    f(3, "reason", Str),
    f(4, "message", Str),
    f(5, "source", Message(&[f(1, "component", Str), f(2, "host", Str)])),
    f(6, "firstTimestamp", Time),
    f(7, "lastTimestamp", Time),
    f(8, "count", Int),
    f(9, "type", Str),
    f(10, "eventTime", MicroTime),
    f(12, "action", Str),
    f(14, "reportingComponent", Str),
    f(15, "reportingInstance", Str),
];

// k8s.io/api/apps/v1

const DEPLOYMENT: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            p(1, "replicas", Int),
            f(2, "selector", Message(LABEL_SELECTOR)),
            f(3, "template", Message(POD_TEMPLATE_SPEC)),
            f(
                4,
                "strategy",
                Message(&[
                    f(1, "type", Str),
                    f(
                        2,
                        "rollingUpdate",
                        Message(&[p(1, "maxUnavailable", IntOrString), p(2, "maxSurge", IntOrString)]),
                    ),
                ]),
            ),
            f(5, "minReadySeconds", Int),
            p(6, "revisionHistoryLimit", Int),
            f(7, "paused", Bool),
            p(9, "progressDeadlineSeconds", Int),
        ]),
    ),
];

// k8s.io/api/autoscaling/v2

const METRIC_TARGET: &[Field] = &[
    f(1, "type", Str),
    f(2, "value", Quantity),
    f(3, "averageValue", Quantity),
    p(4, "averageUtilization", Int),
];

const METRIC_IDENTIFIER: &[Field] = &[f(1, "name", Str), f(2, "selector", Message(LABEL_SELECTOR))];

const CROSS_VERSION_OBJECT_REFERENCE: &[Field] = &[f(1, "kind", Str), f(2, "name", Str), f(3, "apiVersion", Str)];

const HPA_SCALING_RULES: &[Field] = &[
    p(1, "selectPolicy", Str),
    f(
        2,
        "policies",
        Repeated(&Message(&[
            f(1, "type", Str),
            f(2, "value", Int),
            f(3, "periodSeconds", Int),
        ])),
    ),
    p(3, "stabilizationWindowSeconds", Int),
    f(4, "tolerance", Quantity),
];

const HORIZONTAL_POD_AUTOSCALER: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "scaleTargetRef", Message(CROSS_VERSION_OBJECT_REFERENCE)),
            p(2, "minReplicas", Int),
            f(3, "maxReplicas", Int),
            f(
                4,
                "metrics",
                Repeated(&Message(&[
                    f(1, "type", Str),
                    f(
                        2,
                        "object",
                        Message(&[
                            f(1, "describedObject", Message(CROSS_VERSION_OBJECT_REFERENCE)),
                            f(2, "target", Message(METRIC_TARGET)),
                            f(3, "metric", Message(METRIC_IDENTIFIER)),
                        ]),
                    ),
                    f(
                        3,
                        "pods",
                        Message(&[
                            f(1, "metric", Message(METRIC_IDENTIFIER)),
                            f(2, "target", Message(METRIC_TARGET)),
                        ]),
                    ),
                    f(
                        4,
                        "resource",
                        Message(&[f(1, "name", Str), f(2, "target", Message(METRIC_TARGET))]),
                    ),
                    f(
                        5,
                        "external",
                        Message(&[
                            f(1, "metric", Message(METRIC_IDENTIFIER)),
                            f(2, "target", Message(METRIC_TARGET)),
                        ]),
                    ),
                    f(
                        7,
                        "containerResource",
                        Message(&[
                            f(1, "name", Str),
                            f(2, "target", Message(METRIC_TARGET)),
                            f(3, "container", Str),
                        ]),
                    ),
                ])),
            ),
            f(
                5,
                "behavior",
                Message(&[
                    f(1, "scaleUp", Message(HPA_SCALING_RULES)),
                    f(2, "scaleDown", Message(HPA_SCALING_RULES)),
                ]),
            ),
        ]),
    ),
];

// k8s.io/api/batch/v1

const JOB_SPEC: &[Field] = &[
    p(1, "parallelism", Int),
    p(2, "completions", Int),
    p(3, "activeDeadlineSeconds", Int),
    f(4, "selector", Message(LABEL_SELECTOR)),
    p(5, "manualSelector", Bool),
    f(6, "template", Message(POD_TEMPLATE_SPEC)),
    p(7, "backoffLimit", Int),
    p(8, "ttlSecondsAfterFinished", Int),
    p(9, "completionMode", Str),
    p(10, "suspend", Bool),
];

const JOB: &[Field] = &[f(1, "metadata", Message(OBJECT_META)), f(2, "spec", Message(JOB_SPEC))];

const CRON_JOB: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "schedule", Str),
            p(2, "startingDeadlineSeconds", Int),
            f(3, "concurrencyPolicy", Str),
            p(4, "suspend", Bool),
            f(
                5,
                "jobTemplate",
                Message(&[f(1, "metadata", Message(OBJECT_META)), f(2, "spec", Message(JOB_SPEC))]),
            ),
            p(6, "successfulJobsHistoryLimit", Int),
            p(7, "failedJobsHistoryLimit", Int),
            p(8, "timeZone", Str),
        ]),
    ),
];

// k8s.io/api/rbac/v1

const POLICY_RULES: Kind = Repeated(&Message(&[
    f(1, "verbs", STRINGS),
    f(2, "apiGroups", STRINGS),
    f(3, "resources", STRINGS),
    f(4, "resourceNames", STRINGS),
    f(5, "nonResourceURLs", STRINGS),
]));

const ROLE: &[Field] = &[f(1, "metadata", Message(OBJECT_META)), f(2, "rules", POLICY_RULES)];

const CLUSTER_ROLE: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "rules", POLICY_RULES),
    f(
        3,
        "aggregationRule",
        Message(&[f(1, "clusterRoleSelectors", Repeated(&Message(LABEL_SELECTOR)))]),
    ),
];

/// RoleBinding and ClusterRoleBinding.
const ROLE_BINDING: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "subjects",
        Repeated(&Message(&[
            f(1, "kind", Str),
            f(2, "apiGroup", Str),
            f(3, "name", Str),
            f(4, "namespace", Str),
        ])),
    ),
    f(
        3,
        "roleRef",
        Message(&[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)]),
    ),
];

// k8s.io/api/networking/v1

const INGRESS_BACKEND: &[Field] = &[
    f(
        3,
        "resource",
        Message(&[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)]),
    ),
    f(
        4,
        "service",
        Message(&[
            f(1, "name", Str),
            f(2, "port", Message(&[f(1, "name", Str), f(2, "number", Int)])),
        ]),
    ),
];

const INGRESS: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "defaultBackend", Message(INGRESS_BACKEND)),
            f(
                2,
                "tls",
                Repeated(&Message(&[f(1, "hosts", STRINGS), f(2, "secretName", Str)])),
            ),
            f(
                3,
                "rules",
                Repeated(&Message(&[
                    f(1, "host", Str),
                    f(
                        2,
                        "",
                        Kind::Inline(&[f(
                            1,
                            "http",
                            Message(&[f(
                                1,
                                "paths",
                                Repeated(&Message(&[
                                    f(1, "path", Str),
                                    f(2, "backend", Message(INGRESS_BACKEND)),
                                    p(3, "pathType", Str),
                                ])),
                            )]),
                        )]),
                    ),
                ])),
            ),
            p(4, "ingressClassName", Str),
        ]),
    ),
];

// k8s.io/api/policy/v1

const POD_DISRUPTION_BUDGET: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            p(1, "minAvailable", IntOrString),
            f(2, "selector", Message(LABEL_SELECTOR)),
            p(3, "maxUnavailable", IntOrString),
            p(4, "unhealthyPodEvictionPolicy", Str),
        ]),
    ),
];

const EVICTION: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "deleteOptions", Message(DELETE_OPTIONS)),
];

// k8s.io/api/authentication/v1 and authorization/v1

const TOKEN_REQUEST: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "audiences", STRINGS),
            f(
                3,
                "boundObjectRef",
                Message(&[
                    f(1, "kind", Str),
                    f(2, "apiVersion", Str),
                    f(3, "name", Str),
                    f(4, "uid", Str),
                ]),
            ),
            p(4, "expirationSeconds", Int),
        ]),
    ),
];

/// SelfSubjectReview has no spec; its status is the server's answer.
const SELF_SUBJECT_REVIEW: &[Field] = &[f(1, "metadata", Message(OBJECT_META))];

const RESOURCE_ATTRIBUTES: &[Field] = &[
    f(1, "namespace", Str),
    f(2, "verb", Str),
    f(3, "group", Str),
    f(4, "version", Str),
    f(5, "resource", Str),
    f(6, "subresource", Str),
    f(7, "name", Str),
];

const NON_RESOURCE_ATTRIBUTES: &[Field] = &[f(1, "path", Str), f(2, "verb", Str)];

const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "resourceAttributes", Message(RESOURCE_ATTRIBUTES)),
            f(2, "nonResourceAttributes", Message(NON_RESOURCE_ATTRIBUTES)),
        ]),
    ),
];

const SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "resourceAttributes", Message(RESOURCE_ATTRIBUTES)),
            f(2, "nonResourceAttributes", Message(NON_RESOURCE_ATTRIBUTES)),
            f(3, "user", Str),
            f(4, "groups", STRINGS),
            f(6, "uid", Str),
        ]),
    ),
];

const SELF_SUBJECT_RULES_REVIEW: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(2, "spec", Message(&[f(1, "namespace", Str)])),
];

const RESOURCE_QUOTA: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[
            f(1, "hard", QUANTITY_MAP),
            f(2, "scopes", STRINGS),
            f(
                3,
                "scopeSelector",
                Message(&[f(
                    1,
                    "matchExpressions",
                    Repeated(&Message(&[
                        f(1, "scopeName", Str),
                        f(2, "operator", Str),
                        f(3, "values", STRINGS),
                    ])),
                )]),
            ),
        ]),
    ),
    f(
        3,
        "status",
        Message(&[f(1, "hard", QUANTITY_MAP), f(2, "used", QUANTITY_MAP)]),
    ),
];

const LIMIT_RANGE: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    f(
        2,
        "spec",
        Message(&[f(
            1,
            "limits",
            Repeated(&Message(&[
                f(1, "type", Str),
                f(2, "max", QUANTITY_MAP),
                f(3, "min", QUANTITY_MAP),
                f(4, "default", QUANTITY_MAP),
                f(5, "defaultRequest", QUANTITY_MAP),
                f(6, "maxLimitRequestRatio", QUANTITY_MAP),
            ])),
        )]),
    ),
];

// k8s.io/api/scheduling/v1

/// `value` has no `omitempty` in Go, so a zero value is kept like a pointer's.
const PRIORITY_CLASS: &[Field] = &[
    f(1, "metadata", Message(OBJECT_META)),
    p(2, "value", Int),
    f(3, "globalDefault", Bool),
    f(4, "description", Str),
    p(5, "preemptionPolicy", Str),
];

/// runtime.TypeMeta, in the envelope.
const TYPE_META: &[Field] = &[f(1, "apiVersion", Str), f(2, "kind", Str)];

/// The kinds kubesim reads as protobuf: (apiVersion, kind, message).
const KINDS: &[(&str, &str, &[Field])] = &[
    ("v1", "Pod", POD),
    ("v1", "Service", SERVICE),
    ("v1", "ConfigMap", CONFIG_MAP),
    ("v1", "Secret", SECRET),
    ("v1", "Namespace", NAMESPACE),
    ("v1", "Event", EVENT),
    ("v1", "ServiceAccount", SERVICE_ACCOUNT),
    ("apps/v1", "Deployment", DEPLOYMENT),
    ("autoscaling/v2", "HorizontalPodAutoscaler", HORIZONTAL_POD_AUTOSCALER),
    ("batch/v1", "Job", JOB),
    ("batch/v1", "CronJob", CRON_JOB),
    ("rbac.authorization.k8s.io/v1", "Role", ROLE),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", CLUSTER_ROLE),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", ROLE_BINDING),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", ROLE_BINDING),
    ("networking.k8s.io/v1", "Ingress", INGRESS),
    ("policy/v1", "PodDisruptionBudget", POD_DISRUPTION_BUDGET),
    ("policy/v1", "Eviction", EVICTION),
    ("authentication.k8s.io/v1", "TokenRequest", TOKEN_REQUEST),
    ("authentication.k8s.io/v1", "SelfSubjectReview", SELF_SUBJECT_REVIEW),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        SELF_SUBJECT_ACCESS_REVIEW,
    ),
    ("authorization.k8s.io/v1", "SubjectAccessReview", SUBJECT_ACCESS_REVIEW),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        SELF_SUBJECT_RULES_REVIEW,
    ),
    ("v1", "ResourceQuota", RESOURCE_QUOTA),
    ("v1", "LimitRange", LIMIT_RANGE),
    ("scheduling.k8s.io/v1", "PriorityClass", PRIORITY_CLASS),
];

/// One field on the wire.
enum Wire<'a> {
    Varint(u64),
    Fixed,
    Bytes(&'a [u8]),
}

/// Walks a message's fields; errors read like gogo-protobuf's generated decoders.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or("unexpected EOF")?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("proto: integer overflow".into())
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], String> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .filter(|end| *end <= self.buf.len())
            .ok_or("unexpected EOF")?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    /// The next field's number and value, or None at the end of the message.
    fn field(&mut self) -> Result<Option<(u64, Wire<'a>)>, String> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let (number, wire) = (tag >> 3, tag & 7);
        if number == 0 {
            return Err(format!("proto: illegal tag 0 (wire type {wire})"));
        }
        let value = match wire {
            0 => Wire::Varint(self.varint()?),
            1 => self.take(8).map(|_| Wire::Fixed)?,
            2 => {
                let len = self.varint()?;
                Wire::Bytes(self.take(len)?)
            }
            5 => self.take(4).map(|_| Wire::Fixed)?,
            _ => return Err(format!("proto: illegal wireType {wire}")),
        };
        Ok(Some((number, value)))
    }
}

fn wrong_wire_type(field: &Field, wire: &Wire) -> String {
    let number = match wire {
        Wire::Varint(_) => 0,
        Wire::Fixed => 1,
        Wire::Bytes(_) => 2,
    };
    let mut go_name = field.name.to_string();
    if let Some(first) = go_name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("proto: wrong wireType = {number} for field {go_name}")
}

/// Decodes a message into `out`, the JSON object it (or its inlining parent) fills.
fn message(buf: &[u8], fields: &[Field], out: &mut Map<String, Value>) -> Result<(), String> {
    let mut r = Reader::new(buf);
    while let Some((number, wire)) = r.field()? {
        let Some(field) = fields.iter().find(|f| f.number == number) else {
            continue;
        };
        match &field.kind {
            Kind::Inline(inner) => match wire {
                Wire::Bytes(b) => message(b, inner, out)?,
                _ => return Err(wrong_wire_type(field, &wire)),
            },
            Repeated(inner) => {
                // Only strings and messages repeat in these kinds, so nothing is packed.
                let item = scalar(field, inner, wire)?;
                let items = out.entry(field.name).or_insert_with(|| json!([]));
                items.as_array_mut().expect("repeated fields are arrays").push(item);
            }
            Kind::Map(value_kind) => {
                let Wire::Bytes(entry) = wire else {
                    return Err(wrong_wire_type(field, &wire));
                };
                let (mut key, mut value) = (String::new(), None);
                let mut r = Reader::new(entry);
                while let Some((n, w)) = r.field()? {
                    match (n, w) {
                        (1, Wire::Bytes(k)) => key = String::from_utf8_lossy(k).into_owned(),
                        (2, w) => value = Some(scalar(field, value_kind, w)?),
                        _ => {}
                    }
                }
                let map = out.entry(field.name).or_insert_with(|| json!({}));
                map[key] = value.unwrap_or_else(|| empty(value_kind));
            }
            kind => {
                let value = scalar(field, kind, wire)?;
                let zero =
                    matches!(&value, Value::String(s) if s.is_empty()) || value == json!(0) || value == json!(false);
                if field.pointer || !zero {
                    out.insert(field.name.into(), value);
                }
            }
        }
    }
    Ok(())
}

/// A map value left out on the wire: the type's zero value.
fn empty(kind: &Kind) -> Value {
    match kind {
        Bytes | Str | Quantity => json!(""),
        _ => Value::Null,
    }
}

/// One value of a field that is not repeated, a map or inlined.
fn scalar(field: &Field, kind: &Kind, wire: Wire) -> Result<Value, String> {
    let bytes = match (kind, &wire) {
        (Bool, Wire::Varint(v)) => return Ok(json!(*v != 0)),
        (Int, Wire::Varint(v)) => return Ok(json!(*v as i64)),
        (_, Wire::Bytes(b)) if !matches!(kind, Bool | Int) => *b,
        _ => return Err(wrong_wire_type(field, &wire)),
    };
    Ok(match kind {
        Str => json!(String::from_utf8_lossy(bytes)),
        Bytes => json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
        Time => time(bytes, SecondsFormat::Secs)?,
        MicroTime => time(bytes, SecondsFormat::Micros)?,
        Quantity => {
            let mut q = Map::new();
            message(bytes, &[f(1, "string", Str)], &mut q)?;
            q.remove("string").unwrap_or_else(|| json!(""))
        }
        IntOrString => {
            let mut v = Map::new();
            message(
                bytes,
                &[f(1, "type", Int), f(2, "intVal", Int), f(3, "strVal", Str)],
                &mut v,
            )?;
            if v.get("type").and_then(Value::as_i64) == Some(1) {
                v.remove("strVal").unwrap_or_else(|| json!(""))
            } else {
                v.remove("intVal").unwrap_or_else(|| json!(0))
            }
        }
        Message(fields) => {
            let mut obj = Map::new();
            message(bytes, fields, &mut obj)?;
            Value::Object(obj)
        }
        Bool | Int | Kind::Inline(_) | Repeated(_) | Kind::Map(_) => unreachable!("handled by the caller"),
    })
}

/// metav1.Time and MicroTime: an empty message is Go's zero time, which is JSON null.
fn time(bytes: &[u8], precision: SecondsFormat) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut t = Map::new();
    message(bytes, &[f(1, "seconds", Int), f(2, "nanos", Int)], &mut t)?;
    let seconds = t.get("seconds").and_then(Value::as_i64).unwrap_or(0);
    let nanos = t.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    let t = DateTime::from_timestamp(seconds, u32::try_from(nanos).unwrap_or(0))
        .ok_or_else(|| format!("time out of range: {seconds}s"))?;
    Ok(json!(t.to_rfc3339_opts(precision, true)))
}

/// Decodes a protobuf request body into the JSON object the apiserver would read.
pub fn decode(body: &[u8]) -> ApiResult<Value> {
    let inner = body.strip_prefix(MAGIC).ok_or_else(|| {
        // Go prints the prefix as a byte slice: [107 56 115 0].
        let prefix: Vec<String> = MAGIC.iter().map(u8::to_string).collect();
        ApiError::bad_request(format!(
            "provided data does not appear to be a protobuf message, expected prefix [{}]",
            prefix.join(" ")
        ))
    })?;
    let undecodable = |e: String| ApiError::bad_request(format!("the body of the request could not be decoded: {e}"));
    let (mut type_meta, mut raw) = (Map::new(), &[][..]);
    let mut r = Reader::new(inner);
    while let Some((number, wire)) = r.field().map_err(undecodable)? {
        match (number, wire) {
            (1, Wire::Bytes(b)) => message(b, TYPE_META, &mut type_meta).map_err(undecodable)?,
            (2, Wire::Bytes(b)) => raw = b,
            _ => {}
        }
    }
    let api_version = type_meta.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let kind = type_meta.get("kind").and_then(Value::as_str).unwrap_or_default();
    // DeleteOptions is registered in every group version, so typed clients send it under theirs.
    let fields = if kind == "DeleteOptions" {
        Some(DELETE_OPTIONS)
    } else {
        KINDS
            .iter()
            .find(|(v, k, _)| *v == api_version && *k == kind)
            .map(|(_, _, fields)| *fields)
    };
    let Some(fields) = fields else {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!("kubesim cannot read {kind:?} ({api_version}) as protobuf; send it as application/json"),
        ));
    };
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    message(raw, fields, &mut obj).map_err(|e| {
        let version = api_version.rsplit('/').next().unwrap_or_default();
        ApiError::bad_request(format!(
            "{kind} in version {version:?} cannot be handled as a {kind}: {e}"
        ))
    })?;
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kubectl create deployment web2 --image=nginx --replicas=2 --port=80 -n shop`, from kubectl 1.33.
    const DEPLOYMENT: &[u8] =
        b"k8s\x00\x0a\x15\x0a\x07apps/v1\x12\x0aDeployment\x12\xc0\x01\x0a%\x0a\x04web2\x12\x00\x1a\
        \x04shop\x22\x00*\x002\x008\x00B\x00Z\x0b\x0a\x03app\x12\x04web2\x12\x88\x01\x08\x02\x12\
        \x0d\x0a\x0b\x0a\x03app\x12\x04web2\x1am\x0a\x1d\x0a\x00\x12\x00\x1a\x00\x22\x00*\x002\x00\
        8\x00B\x00Z\x0b\x0a\x03app\x12\x04web2\x12L\x12.\x0a\x05nginx\x12\x05nginx*\x002\x0a\x0a\
        \x00\x10\x00\x18P\x22\x00*\x00B\x00j\x00r\x00\x80\x01\x00\x88\x01\x00\x90\x01\x00\xa2\x01\
        \x00\x1a\x002\x00B\x00J\x00R\x00X\x00`\x00h\x00\x82\x01\x00\x8a\x01\x00\x9a\x01\x00\xc2\
        \x01\x00\x22\x02\x0a\x00(\x008\x00\x1a\x0c\x08\x00\x10\x00\x18\x00\x20\x00(\x008\x00\x1a\
        \x00\x22\x00";

    /// `kubectl create secret generic s --from-literal=p=q -n shop`, from kubectl 1.33.
    const SECRET: &[u8] = b"k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Secret\x12!\x0a\x15\x0a\x01s\x12\x00\x1a\x04shop\x22\x00*\
        \x002\x008\x00B\x00\x12\x06\x0a\x01p\x12\x01q\x1a\x00\x1a\x00\x22\x00";

    /// `kubectl create cronjob nightly --image=busybox --schedule="0 3 * * *" -n shop -- date`, from kubectl 1.33.
    const CRON_JOB: &[u8] =
        b"k8s\x00\x0a\x13\x0a\x08batch/v1\x12\x07CronJob\x12\xb6\x01\x0a\x1b\x0a\x07nightly\x12\x00\
        \x1a\x04shop\x22\x00*\x002\x008\x00B\x00\x12\x94\x01\x0a\x090\x203\x20*\x20*\x20*\x1a\x00*\
        \x84\x01\x0a\x17\x0a\x07nightly\x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12i2g\x0a\x10\
        \x0a\x00\x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12S\x12,\x0a\x07nightly\x12\x07busyb\
        ox\x1a\x04date*\x00B\x00j\x00r\x00\x80\x01\x00\x88\x01\x00\x90\x01\x00\xa2\x01\x00\x1a\x09\
        OnFailure2\x00B\x00J\x00R\x00X\x00`\x00h\x00\x82\x01\x00\x8a\x01\x00\x9a\x01\x00\xc2\x01\
        \x00\x1a\x00\x1a\x00\x22\x00";

    /// `kubectl create rolebinding reader --role=reader --user=alice --serviceaccount=shop:bot -n shop`, from kubectl 1.33.
    const ROLE_BINDING: &[u8] =
        b"k8s\x00\x0a+\x0a\x1crbac.authorization.k8s.io/v1\x12\x0bRoleBinding\x12\x92\x01\x0a\x1a\
        \x0a\x06reader\x12\x00\x1a\x04shop\x22\x00*\x002\x008\x00B\x00\x12*\x0a\x04User\x12\x19rba\
        c.authorization.k8s.io\x1a\x05alice\x22\x00\x12\x1d\x0a\x0eServiceAccount\x12\x00\x1a\x03b\
        ot\x22\x04shop\x1a)\x0a\x19rbac.authorization.k8s.io\x12\x04Role\x1a\x06reader\x1a\x00\x22\
        \x00";

    /// `kubectl create ingress web --class=nginx --rule="shop.example.com/=web:80,tls=web-tls" -n shop`, from kubectl 1.33.
    const INGRESS: &[u8] =
        b"k8s\x00\x0a\x1f\x0a\x14networking.k8s.io/v1\x12\x07Ingress\x12v\x0a\x17\x0a\x03web\x12\x00\
        \x1a\x04shop\x22\x00*\x002\x008\x00B\x00\x12W\x12\x1b\x0a\x10shop.example.com\x12\x07web-t\
        ls\x1a1\x0a\x10shop.example.com\x12\x1d\x0a\x1b\x0a\x19\x0a\x01/\x12\x0d\x22\x0b\x0a\x03we\
        b\x12\x04\x0a\x00\x10P\x1a\x05Exact\x22\x05nginx\x1a\x02\x0a\x00\x1a\x00\x22\x00";

    /// `kubectl create poddisruptionbudget web --selector=app=web --min-available=1 -n shop`, from kubectl 1.33.
    const PDB: &[u8] = b"k8s\x00\x0a\x20\x0a\x09policy/v1\x12\x13PodDisruptionBudget\x12=\x0a\x17\x0a\x03web\x12\
        \x00\x1a\x04shop\x22\x00*\x002\x008\x00B\x00\x12\x16\x0a\x06\x08\x00\x10\x01\x1a\x00\x12\
        \x0c\x0a\x0a\x0a\x03app\x12\x03web\x1a\x0a\x08\x00\x18\x00\x20\x00(\x000\x00\x1a\x00\x22\
        \x00";

    /// `kubectl create token bot -n shop --duration=10m`, from kubectl 1.33.
    const TOKEN_REQUEST: &[u8] =
        b"k8s\x00\x0a(\x0a\x18authentication.k8s.io/v1\x12\x0cTokenRequest\x12\x1d\x0a\x10\x0a\x00\
        \x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12\x03\x20\xd8\x04\x1a\x04\x0a\x00\x12\x00\
        \x1a\x00\x22\x00";

    /// `kubectl auth can-i list pods -n shop`, from kubectl 1.33.
    const ACCESS_REVIEW: &[u8] =
        b"k8s\x00\x0a2\x0a\x17authorization.k8s.io/v1\x12\x17SelfSubjectAccessReview\x12:\x0a\x10\
        \x0a\x00\x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12\x1c\x0a\x1a\x0a\x04shop\x12\x04li\
        st\x1a\x00\x22\x00*\x04pods2\x00:\x00\x1a\x08\x08\x00\x12\x00\x1a\x00\x20\x00\x1a\x00\x22\
        \x00";

    /// `kubectl autoscale deployment web -n shop --min=2 --max=5 --cpu-percent=80`, from kubectl 1.33.
    const HPA: &[u8] = b"k8s\x00\x0a)\x0a\x0eautoscaling/v2\x12\x17HorizontalPodAutoscaler\x12a\x0a\x13\x0a\x03web\
        \x12\x00\x1a\x00\x22\x00*\x002\x008\x00B\x00\x12D\x0a\x1a\x0a\x0aDeployment\x12\x03web\x1a\
        \x07apps/v1\x10\x02\x18\x05\x22\x22\x0a\x08Resource\x22\x16\x0a\x03cpu\x12\x0f\x0a\x0bUtil\
        ization\x20P\x1a\x04\x18\x00\x20\x00\x1a\x00\x22\x00";

    fn spec(body: &[u8]) -> Value {
        decode(body).unwrap()["spec"].clone()
    }

    #[test]
    fn kubectl_create_deployment() {
        let d = decode(DEPLOYMENT).unwrap();
        assert_eq!(d["apiVersion"], "apps/v1");
        assert_eq!(d["kind"], "Deployment");
        // Empty strings and zeros of non-pointer fields are left out, as Go's JSON does.
        assert_eq!(
            d["metadata"],
            json!({"name": "web2", "namespace": "shop", "creationTimestamp": null, "labels": {"app": "web2"}})
        );
        assert_eq!(
            d["spec"],
            json!({
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web2"}},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web2"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80}], "resources": {}}]}
                },
                "strategy": {}
            })
        );
    }

    #[test]
    fn secret_data_is_base64_in_json() {
        assert_eq!(decode(SECRET).unwrap()["data"], json!({"p": "cQ=="}));
    }

    #[test]
    fn kubectl_create_cronjob() {
        let s = spec(CRON_JOB);
        assert_eq!(s["schedule"], "0 3 * * *");
        let pod = &s["jobTemplate"]["spec"]["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "OnFailure");
        assert_eq!(
            pod["containers"],
            json!([{"name": "nightly", "image": "busybox", "command": ["date"], "resources": {}}])
        );
    }

    #[test]
    fn kubectl_create_rolebinding() {
        let rb = decode(ROLE_BINDING).unwrap();
        assert_eq!(
            rb["roleRef"],
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"})
        );
        assert_eq!(
            rb["subjects"],
            json!([
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                {"kind": "ServiceAccount", "name": "bot", "namespace": "shop"}
            ])
        );
    }

    #[test]
    fn kubectl_create_ingress_inlines_the_rule_value() {
        assert_eq!(
            spec(INGRESS),
            json!({
                "ingressClassName": "nginx",
                "rules": [{"host": "shop.example.com", "http": {"paths": [
                    {"path": "/", "pathType": "Exact", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
                ]}}],
                "tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}]
            })
        );
    }

    #[test]
    fn kubectl_autoscale() {
        assert_eq!(
            spec(HPA),
            json!({
                "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                "minReplicas": 2,
                "maxReplicas": 5,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
            })
        );
    }

    #[test]
    fn int_or_string_and_reviews() {
        assert_eq!(spec(PDB)["minAvailable"], 1);
        assert_eq!(spec(TOKEN_REQUEST)["expirationSeconds"], 600);
        assert_eq!(
            spec(ACCESS_REVIEW)["resourceAttributes"],
            json!({"namespace": "shop", "verb": "list", "resource": "pods"})
        );
    }

    fn tag(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![((number << 3) | 2) as u8, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    fn envelope(api_version: &[u8], kind: &[u8], raw: &[u8]) -> Vec<u8> {
        let type_meta = [tag(1, api_version), tag(2, kind)].concat();
        [MAGIC.to_vec(), tag(1, &type_meta), tag(2, raw)].concat()
    }

    #[test]
    fn times_percentages_bytes_and_negative_numbers() {
        // creationTimestamp {seconds: 1767225600}, deletionGracePeriodSeconds -1.
        let time = [vec![0x08], vec![0x80, 0xf2, 0xd6, 0xca, 0x06]].concat();
        let mut meta = [tag(1, b"p"), tag(8, &time)].concat();
        meta.extend([10 << 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        // spec.maxUnavailable {type: 1, strVal: "25%"}.
        let percent = [vec![0x08, 0x01], tag(3, b"25%")].concat();
        let body = envelope(
            b"policy/v1",
            b"PodDisruptionBudget",
            &[tag(1, &meta), tag(2, &tag(3, &percent))].concat(),
        );
        let pdb = decode(&body).unwrap();
        assert_eq!(pdb["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(pdb["metadata"]["deletionGracePeriodSeconds"], -1);
        assert_eq!(pdb["spec"]["maxUnavailable"], "25%");

        // eventTime {seconds, nanos: 123456789} is a MicroTime; binaryData values are bytes.
        let micro = [vec![0x08, 0x80, 0xf2, 0xd6, 0xca, 0x06, 0x10, 0x95, 0x9a, 0xef, 0x3a]].concat();
        let entry = [tag(1, b"k"), tag(2, &[0xff, 0x00])].concat();
        let event = envelope(b"v1", b"Event", &tag(10, &micro));
        assert_eq!(decode(&event).unwrap()["eventTime"], "2026-01-01T00:00:00.123456Z");
        let cm = envelope(b"v1", b"ConfigMap", &tag(3, &entry));
        assert_eq!(decode(&cm).unwrap()["binaryData"], json!({"k": "/wA="}));
    }

    #[test]
    fn pointers_keep_their_zero_values_and_unknown_fields_are_skipped() {
        // spec: replicas 0 (a pointer), minReadySeconds 0 (not), field 99 (unknown).
        let spec = [vec![0x08, 0x00, 0x28, 0x00], vec![0x98, 0x06, 0x07]].concat();
        let body = envelope(b"apps/v1", b"Deployment", &tag(2, &spec));
        assert_eq!(decode(&body).unwrap()["spec"], json!({"replicas": 0}));
    }

    #[test]
    fn quotas_priority_classes_rules_reviews_and_delete_options() {
        // spec.hard {pods: "10"}, as `kubectl create quota q --hard=pods=10` sends it.
        let entry = [tag(1, b"pods"), tag(2, &tag(1, b"10"))].concat();
        let quota = envelope(
            b"v1",
            b"ResourceQuota",
            &[tag(1, &tag(1, b"q")), tag(2, &tag(1, &entry))].concat(),
        );
        assert_eq!(decode(&quota).unwrap()["spec"], json!({"hard": {"pods": "10"}}));

        // value 0 is on the wire and, without omitempty in Go, in the JSON.
        let pc = [tag(1, &tag(1, b"low")), vec![0x10, 0x00], tag(5, b"Never")].concat();
        let pc = decode(&envelope(b"scheduling.k8s.io/v1", b"PriorityClass", &pc)).unwrap();
        assert_eq!(
            (&pc["value"], &pc["preemptionPolicy"], pc.get("globalDefault")),
            (&json!(0), &json!("Never"), None)
        );

        let review = envelope(
            b"authorization.k8s.io/v1",
            b"SelfSubjectRulesReview",
            &tag(2, &tag(1, b"shop")),
        );
        assert_eq!(decode(&review).unwrap()["spec"], json!({"namespace": "shop"}));

        // preconditions {uid: "u"}, propagationPolicy "Background", under a typed client's group version.
        let opts = [tag(2, &tag(1, b"u")), tag(4, b"Background")].concat();
        let opts = decode(&envelope(b"apps/v1", b"DeleteOptions", &opts)).unwrap();
        assert_eq!(opts["preconditions"], json!({"uid": "u"}));
        assert_eq!(opts["propagationPolicy"], "Background");
    }

    #[test]
    fn malformed_bodies_are_bad_requests() {
        let truncated = &DEPLOYMENT[..DEPLOYMENT.len() - 3];
        let e = decode(truncated).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "the body of the request could not be decoded: unexpected EOF"
        );

        let body = envelope(b"v1", b"ConfigMap", &[0x0a, 0x05, 0x0a]);
        let e = decode(&body).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                400,
                "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: unexpected EOF"
            )
        );

        let body = envelope(b"v1", b"ConfigMap", &[0x08, 0x01]);
        assert_eq!(
            decode(&body).unwrap_err().message,
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: proto: wrong wireType = 0 for field Metadata"
        );

        let e = decode(b"{\"kind\": \"ConfigMap\"}").unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
        );

        let e = decode(&envelope(b"v1", b"ReplicationController", &[])).unwrap_err();
        assert_eq!(e.code, 415);
    }
}
