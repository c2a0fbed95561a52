/** @module Page-numbered listing, as providers page (CloudStack `page`/`pagesize`, 1-based). */

export interface PageRequest {
  /** 1-based. */
  page: number;
  /** 1 to MAX_PAGE_SIZE. */
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  /** Matching items across all pages. */
  total: number;
  page: number;
  pageSize: number;
}

/** CloudStack's default `default.page.size`, the largest page it serves. */
export const MAX_PAGE_SIZE = 500;
