/** @module The neutral tags: key/value labels on instances and templates. */

export type TaggableType = 'instance' | 'template';

export interface ResourceRef {
  type: TaggableType;
  id: string;
}

export interface Tag {
  resourceType: TaggableType;
  resourceId: string;
  key: string;
  value: string;
}

export interface TagFilter {
  resource?: ResourceRef;
  key?: string;
}
