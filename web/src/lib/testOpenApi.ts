// Test data: a trimmed excerpt of a real apiserver's OpenAPI v3 document for apps/v1 (Kubernetes
// 1.30), in its own shapes: refs wrapped as `allOf: [{$ref}]`, IntOrString and Quantity by ref,
// enums with their "Possible enum values" descriptions.
import type { OpenApiDocument, OpenApiRoot } from './k8sSchema';

const ref = (name: string, description: string, extra: object = {}) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }], description, ...extra });

export const openApiRoot: OpenApiRoot = {
  paths: {
    'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=0A1B' },
    'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=2C3D' },
  },
};

export const appsV1: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
        properties: {
          apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
          kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
          metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", { default: {} }),
          spec: ref('io.k8s.api.apps.v1.DeploymentSpec', 'Specification of the desired behavior of the Deployment.', { default: {} }),
        },
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
      },
      'io.k8s.api.apps.v1.DeploymentSpec': {
        description: 'DeploymentSpec is the specification of the desired behavior of the Deployment.',
        properties: {
          paused: { description: 'Indicates that the deployment is paused.', type: 'boolean' },
          replicas: { description: 'Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.', format: 'int32', type: 'integer' },
          selector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
          strategy: ref('io.k8s.api.apps.v1.DeploymentStrategy', 'The deployment strategy to use to replace existing pods with new ones.', { default: {}, 'x-kubernetes-patch-strategy': 'retainKeys' }),
          template: ref('io.k8s.api.core.v1.PodTemplateSpec', 'Template describes the pods that will be created.', { default: {} }),
        },
        required: ['selector', 'template'],
        type: 'object',
      },
      'io.k8s.api.apps.v1.DeploymentStrategy': {
        description: 'DeploymentStrategy describes how to replace existing pods with new ones.',
        properties: {
          rollingUpdate: ref('io.k8s.api.apps.v1.RollingUpdateDeployment', 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.'),
          type: {
            description: 'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.\n\nPossible enum values:\n - `"Recreate"` Kill all existing pods before creating new ones.\n - `"RollingUpdate"` Replace the old ReplicaSets by new one using rolling update i.e gradually scale down the old ReplicaSets and scale up the new one.',
            enum: ['Recreate', 'RollingUpdate'],
            type: 'string',
          },
        },
        type: 'object',
      },
      'io.k8s.api.apps.v1.RollingUpdateDeployment': {
        description: 'Spec to control the desired behavior of rolling update.',
        properties: {
          maxSurge: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'The maximum number of pods that can be scheduled above the desired number of pods.'),
          maxUnavailable: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'The maximum number of pods that can be unavailable during the update.'),
        },
        type: 'object',
      },
      'io.k8s.api.core.v1.PodTemplateSpec': {
        description: 'PodTemplateSpec describes the data a pod should have when created from a template',
        properties: {
          metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', "Standard object's metadata.", { default: {} }),
          spec: ref('io.k8s.api.core.v1.PodSpec', 'Specification of the desired behavior of the pod.', { default: {} }),
        },
        type: 'object',
      },
      'io.k8s.api.core.v1.PodSpec': {
        description: 'PodSpec is a description of a pod.',
        properties: {
          containers: {
            description: 'List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.',
            items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} },
            type: 'array',
            'x-kubernetes-patch-merge-key': 'name',
            'x-kubernetes-patch-strategy': 'merge',
          },
          nodeSelector: {
            additionalProperties: { default: '', type: 'string' },
            description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
            type: 'object',
            'x-kubernetes-map-type': 'atomic',
          },
          restartPolicy: {
            description: 'Restart policy for all containers within the pod. One of Always, OnFailure, Never.\n\nPossible enum values:\n - `"Always"`\n - `"Never"`\n - `"OnFailure"`',
            enum: ['Always', 'Never', 'OnFailure'],
            type: 'string',
          },
        },
        required: ['containers'],
        type: 'object',
      },
      'io.k8s.api.core.v1.Container': {
        description: 'A single application container that you want to run within a pod.',
        properties: {
          args: { description: 'Arguments to the entrypoint.', items: { default: '', type: 'string' }, type: 'array', 'x-kubernetes-list-type': 'atomic' },
          image: { description: 'Container image name. More info: https://kubernetes.io/docs/concepts/containers/images', type: 'string' },
          imagePullPolicy: {
            description: 'Image pull policy. One of Always, Never, IfNotPresent.\n\nPossible enum values:\n - `"Always"` means that kubelet always attempts to pull the latest image.\n - `"IfNotPresent"` means that kubelet pulls if the image isn\'t present on disk.\n - `"Never"` means that kubelet never pulls an image.',
            enum: ['Always', 'IfNotPresent', 'Never'],
            type: 'string',
          },
          name: { default: '', description: 'Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.', type: 'string' },
          ports: {
            description: 'List of ports to expose from the container.',
            items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.ContainerPort' }], default: {} },
            type: 'array',
          },
          resources: ref('io.k8s.api.core.v1.ResourceRequirements', 'Compute Resources required by this container. Cannot be updated.', { default: {} }),
        },
        required: ['name'],
        type: 'object',
      },
      'io.k8s.api.core.v1.ContainerPort': {
        description: 'ContainerPort represents a network port in a single container.',
        properties: {
          containerPort: { default: 0, description: "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.", format: 'int32', type: 'integer' },
          protocol: { default: 'TCP', description: 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', enum: ['SCTP', 'TCP', 'UDP'], type: 'string' },
        },
        required: ['containerPort'],
        type: 'object',
      },
      'io.k8s.api.core.v1.ResourceRequirements': {
        description: 'ResourceRequirements describes the compute resource requirements.',
        properties: {
          limits: { additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' }, description: 'Limits describes the maximum amount of compute resources allowed.', type: 'object' },
        },
        type: 'object',
      },
      'io.k8s.apimachinery.pkg.api.resource.Quantity': {
        description: 'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.',
        type: 'string',
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
        description: 'A label selector is a label query over a set of resources.',
        properties: {
          matchLabels: { additionalProperties: { default: '', type: 'string' }, description: 'matchLabels is a map of {key,value} pairs.', type: 'object' },
        },
        type: 'object',
        'x-kubernetes-map-type': 'atomic',
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
        description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
        properties: {
          annotations: { additionalProperties: { default: '', type: 'string' }, description: 'Annotations is an unstructured key value map stored with a resource.', type: 'object' },
          labels: { additionalProperties: { default: '', type: 'string' }, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.', type: 'object' },
          name: { description: 'Name must be unique within a namespace.', type: 'string' },
          namespace: { description: 'Namespace defines the space within which each name must be unique.', type: 'string' },
        },
        type: 'object',
      },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
        description: 'IntOrString is a type that can hold an int32 or a string.',
        format: 'int-or-string',
        type: 'string',
      },
    },
  },
};

/** A custom resource's schema as a CRD gives it: no metadata, int-or-string as an extension, and preserved unknown fields. */
export const widgetsV1: OpenApiDocument = {
  components: {
    schemas: {
      'com.example.v1.Widget': {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            required: ['size'],
            properties: {
              size: { type: 'integer', description: 'How big.' },
              port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
              extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
        'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
      },
      'com.example.v1.Gadget': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Gadget' }] },
    },
  },
};
